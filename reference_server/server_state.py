"""What every handler needs: the database, the configuration, the throttle and the data directory."""

from dataclasses import dataclass
from pathlib import Path

from reference_server import absolute_url
from reference_server.brute_force import Throttler
from reference_server.config import ServerConfig
from reference_server.database import Database


@dataclass
class ServerState:
    """Shared by all requests of one server process."""

    database: Database
    config: ServerConfig
    throttler: Throttler
    data_dir: Path
    cli_url: str  # Nextcloud's overwrite.cli.url: config base_url, else the URL the server listens on

    def absolute_url(self) -> str:
        """IURLGenerator::getAbsoluteURL(''): derived from the request being served (module absolute_url)."""
        return absolute_url.base(self.cli_url)

    @property
    def files_dir(self) -> Path:
        """Root of the users' files (``files/<user>/…``)."""
        return self.data_dir / "files"

    @property
    def upload_dir(self) -> Path:
        """Where uploads are spooled before they are checked and moved."""
        return self.data_dir / "uploads"


def open_state(data_dir: Path, config: ServerConfig, cli_url: str) -> ServerState:
    """Open (or create) the data dir; accounts and app config are seeded only into a fresh database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(data_dir / "talk.sqlite3")
    fresh = database.one("SELECT COUNT(*) AS n FROM users")["n"] == 0
    if fresh:
        with database.transaction() as tx:
            for account in config.accounts:
                tx.execute(
                    "INSERT INTO users (id, password, is_admin) VALUES (?, ?, ?)",
                    (account.id, account.password, int(account.admin)),
                )
            for key, value in config.app_config.items():
                tx.execute(
                    "INSERT OR REPLACE INTO app_config (app, key, value) VALUES ('spreed', ?, ?)",
                    (key, value),
                )
    state = ServerState(database, config, Throttler(database, config.bruteforce), data_dir, cli_url)
    state.files_dir.mkdir(exist_ok=True)
    state.upload_dir.mkdir(exist_ok=True)
    for leftover in state.upload_dir.iterdir():  # spool files of uploads interrupted by a crash
        leftover.unlink(missing_ok=True)
    return state

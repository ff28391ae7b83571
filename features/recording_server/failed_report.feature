@protocol:failed
Feature: A recording that cannot be made is reported failed
  The failed status is born on the recording server's side: when it cannot record, it reports
  {"type": "failed", "failed": {"token": ...}} and Talk marks the room's recording as failed. A
  recording server that cannot tell Talk that it started (Talk refuses the report, as it does for a room
  that is no longer starting) cannot record either.

  Scenario: A recording whose started report is refused is reported failed
    Given Talk refuses the started report of the room
    When Talk starts a recording of the room with status 1 for the owner "alice"
    Then the recording server answers 200
    And the recording server reports failed for the room

  Scenario: A room whose recording failed can be recorded again
    Given the recording of the room has failed
    When Talk starts a recording of the room with status 2 for the owner "alice"
    Then the recording server answers 200
    And the recording server reports started for the room with status 2 and the actor "alice"

@admin @exclusive
Feature: A recording made by a real recording server
  In place of the suite's fake recording server, a real one records for the target: the bundled reference
  recording server (profile `recording_server: reference`, the default against the bundled reference server) or
  the recording server at a URL. Talk asks it to start and stop; it reports started, failed and stopped and
  uploads the recording, signed with the shared secret, without the suite in between.

  Background:
    Given a real recording server records for the target
    And a conversation with a moderator and a participant
    And a call is active in the conversation

  Scenario: A recording is started, stopped and stored by the recording server
    When the moderator starts a video recording
    Then the request succeeds
    And the room's recording status becomes "video"
    When the moderator stops the recording
    Then the room's recording status becomes "none"
    And the moderator is notified that a video recording of the room is stored

  Scenario: A recording that failed can be started again
    Given the real recording server cannot record
    When the moderator starts a video recording
    Then the room's recording status becomes "failed"
    When the real recording server can record again
    And the moderator starts an audio recording
    Then the room's recording status becomes "audio"
    When the moderator stops the recording
    Then the room's recording status becomes "none"

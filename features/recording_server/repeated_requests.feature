@protocol:repeats
Feature: Repeated starts and stops
  Talk may send a start for a room that is already being recorded, or a stop for one that is already
  stopping. Neither changes the recording.

  Scenario: A second start for the same room changes nothing
    Given the recording server is recording the room with status 1 for the owner "alice"
    When Talk starts a recording of the room again with status 2 for the owner "bob"
    Then the recording server answers 200
    And the recording server reports nothing more about the room
    And a stop of the room still uploads the first recording, as video/webm for the owner "alice"

  Scenario: A stop while the recording is stopping is answered 200
    Given the recording server is recording the room with status 1 for the owner "alice"
    And Talk is slow to accept the stopped report of the room
    When Talk stops the recording of the room as "alice"
    And Talk stops it again while the stopped report waits for an answer
    Then the recording server answers 200

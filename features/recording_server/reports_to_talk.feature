@protocol:reports
Feature: What a recording server reports back to Talk
  A recording server answers a start or a stop at once and reports later, to the Nextcloud named in
  Talk-Recording-Backend: POST .../recording/backend with a JSON body, signed like Talk's requests
  (HMAC-SHA256 over random + the exact body bytes). Talk checks that the random has at least 32
  characters and compares the checksum in lowercase.

  Scenario Outline: A start is answered at once and reported started with its status and actor
    When Talk starts a recording of the room with status <status> for the owner "alice"
    Then the recording server answers 200
    And the recording server reports started for the room with status <status> and the actor "alice"

    Examples:
      | status |
      | 1      |
      | 2      |

  Scenario: A stop is reported stopped with the actor who stopped
    Given the recording server is recording the room with status 1 for the owner "alice"
    When Talk stops the recording of the room as "bob"
    Then the recording server answers 200
    And the recording server reports stopped for the room with the actor "bob"

  Scenario: A stop without an actor is reported stopped without one
    Given the recording server is recording the room with status 1 for the owner "alice"
    When Talk stops the recording of the room without an actor
    Then the recording server answers 200
    And the recording server reports stopped for the room without an actor

Feature: Failed recordings
  A recording that the recording server could not start or continue ends in the "failed" status.
  From there a new recording can be started as if none had been made.

  Background:
    Given a conversation with a moderator and a participant
    And a call is active in the conversation

  @operation:recording-backend @status:200 @transition:3-5 @transition:4-5
  Scenario Outline: A recording that fails while starting becomes failed without a chat message
    Given the room's recording is "<state>"
    When the recording server reports that the recording failed
    Then the request succeeds
    And the room's recording status is "failed"
    And the chat shows no recording system message since then

    Examples:
      | state          |
      | starting video |
      | starting audio |

  @operation:recording-backend @status:200 @transition:1-5 @transition:2-5
  Scenario Outline: A running recording that fails becomes failed and the chat says so
    Given the room's recording is "<state>"
    When the recording server reports that the recording failed
    Then the request succeeds
    And the room's recording status is "failed"
    And the chat shows the system message "recording_failed"

    Examples:
      | state |
      | video |
      | audio |

  @operation:recording-backend @status:200 @transition:0-5 @transition:5-5
  Scenario Outline: A failure report is accepted in every state
    Given the room's recording is "<state>"
    When the recording server reports that the recording failed
    Then the request succeeds
    And the room's recording status is "failed"

    Examples:
      | state  |
      | none   |
      | failed |

  @operation:recording-start @status:200 @transition:5-3 @transition:5-4
  Scenario Outline: After a failure a new recording of either kind can be started
    Given the room's recording is "failed"
    When the moderator starts a <kind> recording
    Then the request succeeds
    And the recording server received a new request to start a <kind> recording owned by the moderator
    And the room's recording status is "starting <kind>"

    Examples:
      | kind  |
      | video |
      | audio |

  @operation:recording-start @operation:recording-backend @status:200 @transition:5-4 @transition:4-2
  Scenario: A restarted recording reaches the recording status
    Given the room's recording is "failed"
    When the moderator starts an audio recording
    Then the start succeeds
    And the room's recording status is "starting audio"
    When the recording server reports that the recording started as audio by the moderator
    Then the report succeeds
    And the room's recording status is "audio"
    And the chat shows the system message "audio_recording_started" by the moderator

  @operation:recording-stop @status:200
  Scenario: Stopping a failed recording still tells the recording server
    Given the room's recording is "failed"
    When the moderator stops the recording
    Then the request succeeds
    And the recording server received a request to stop the recording by the moderator
    And the room's recording status is "failed"

  @operation:recording-backend @status:404 @error:no_such_room
  Scenario: A failed recording cannot be reported as started
    Given the room's recording is "failed"
    When the recording server reports that the recording started as video by the moderator
    Then the request is refused with status 404 and error code "no_such_room"
    And the room's recording status is "failed"

  @operation:recording-stop @status:200 @transition:1-5
  Scenario: A recording server that lost the recording drives it to failed when stopping
    Given the room's recording is "video"
    And the recording server will answer stop requests with "404"
    When the moderator stops the recording
    Then the request succeeds
    And the room's recording status is "failed"
    And the chat shows the system message "recording_failed" by the moderator

  @operation:recording-start @status:400 @error:recording
  Scenario: A failed recording does not block a start, but a starting one does
    Given the room's recording is "failed"
    And the moderator started a video recording
    When the moderator starts an audio recording
    Then the request is refused with status 400 and error "recording"

  @operation:recording-backend @status:200 @transition:1-5
  Scenario: A failure the recording server reports is posted by a guest without a session
    Given the room's recording is "video"
    When the recording server reports that the recording failed
    Then the request succeeds
    And the room's recording status is "failed"
    And the chat shows the system message "recording_failed" by a guest without a session

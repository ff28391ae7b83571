Feature: The life of a recording
  A recording goes from "none" through "starting" to "recording" and back to "none"; the chat tells
  the participants when a recording started and stopped.

  Background:
    Given a conversation with a moderator and a participant
    And a call is active in the conversation

  @operation:recording-backend @status:200 @transition:3-1
  Scenario: The start of a video recording is announced in the chat
    Given the room's recording is "starting video"
    When the recording server reports that the recording started as video by the moderator
    Then the request succeeds
    And the room's recording status is "video"
    And the chat shows the system message "recording_started" by the moderator

  @operation:recording-backend @status:200 @transition:4-2
  Scenario: The start of an audio recording is announced in the chat
    Given the room's recording is "starting audio"
    When the recording server reports that the recording started as audio by the moderator
    Then the request succeeds
    And the room's recording status is "audio"
    And the chat shows the system message "audio_recording_started" by the moderator

  @operation:recording-backend @status:200 @transition:1-0 @transition:2-0
  Scenario Outline: The end of a recording stopped by a moderator is announced in the chat
    Given the room's recording is "<state>"
    When the recording server reports that the recording stopped by the moderator
    Then the request succeeds
    And the room's recording status is "none"
    And the chat shows the system message "<message>" by the moderator

    Examples:
      | state | message                 |
      | video | recording_stopped       |
      | audio | audio_recording_stopped |

  @operation:recording-backend @status:200 @transition:0-0 @transition:3-0 @transition:4-0 @transition:5-0
  Scenario Outline: A stop report ends the recording from every state
    Given the room's recording is "<state>"
    When the recording server reports that the recording stopped by the moderator
    Then the request succeeds
    And the room's recording status is "none"

    Examples:
      | state          |
      | none           |
      | starting video |
      | starting audio |
      | failed         |

  @operation:recording-start @operation:recording-backend @operation:recording-stop @status:200
  @transition:0-3 @transition:3-1 @transition:1-0
  Scenario: A video recording from start to stop
    When the moderator starts a video recording
    Then the start succeeds
    And the room's recording status is "starting video"
    When the recording server reports that the recording started as video by the moderator
    Then the report succeeds
    And the room's recording status is "video"
    When the moderator stops the recording
    Then the stop succeeds
    And the recording server received a request to stop the recording by the moderator
    And the room's recording status is "video"
    When the recording server reports that the recording stopped by the moderator
    Then the report succeeds
    And the room's recording status is "none"
    And the chat shows the system message "recording_stopped" by the moderator

  @operation:recording-backend @status:200 @transition:1-0
  Scenario: When the call ends the recording server is told to stop without an actor
    Given the room's recording is "video"
    When the call ends for everyone
    Then the recording server received a request to stop the recording without an actor
    And the room's recording status is "video"
    When the recording server reports that the recording stopped without an actor
    Then the report succeeds
    And the room's recording status is "none"
    And the chat shows no "recording_stopped" system message

  @operation:recording-store @status:200
  Scenario: The stored recording is announced to its owner
    Given the room's recording is "video"
    When the recording server reports that the recording stopped by the moderator
    And the recording server uploads "video webm" for the moderator
    Then the upload succeeds
    And the moderator is notified that the recording "video webm" is available

  @operation:recording-store @status:200
  Scenario: The chat tells the story of a recording that failed and was started again
    When the moderator starts a video recording
    And the recording server reports that the recording started as video by the moderator
    And the recording server reports that the recording failed
    And the moderator starts an audio recording
    And the recording server reports that the recording started as audio by the moderator
    And the moderator stops the recording
    And the recording server reports that the recording stopped by the moderator
    And the recording server uploads "audio ogg" for the moderator
    Then the upload succeeds
    And the chat's system messages are, oldest first:
      | message                 | by                        |
      | conversation_created    | the moderator             |
      | user_added              | the moderator             |
      | call_started            | the moderator             |
      | recording_started       | the moderator             |
      | recording_failed        | a guest without a session |
      | audio_recording_started | the moderator             |
      | audio_recording_stopped | the moderator             |

@operation:recording-start
Feature: Start a call recording
  A moderator asks the target to record the active call. The target forwards the request to its
  recording server and the room waits in a "starting" state until the recording server reports back.

  Background:
    Given a conversation with a moderator and a participant

  @status:200 @transition:0-3
  Scenario: A moderator starts a video recording
    Given a call is active in the conversation
    When the moderator starts a video recording
    Then the request succeeds
    And the room's recording status is "starting video"
    And the recording server received a request to start a video recording owned by the moderator

  @status:200 @transition:0-4
  Scenario: A moderator starts an audio recording
    Given a call is active in the conversation
    When the moderator starts an audio recording
    Then the request succeeds
    And the room's recording status is "starting audio"
    And the recording server received a request to start an audio recording owned by the moderator

  @status:200 @transition:0-3
  Scenario: A moderator who is not in the call may start the recording
    Given a call is active in the conversation
    And the participant is a moderator of the conversation
    When the participant starts a video recording
    Then the request succeeds
    And the room's recording status is "starting video"

  @status:400 @error:status
  Scenario Outline: A recording status other than video or audio is refused
    Given a call is active in the conversation
    When the moderator starts a recording with status "<status>"
    Then the request is refused with status 400 and error "status"
    And the room's recording status is "none"
    And the recording server received no request

    Examples:
      | status |
      | 0      |
      | 3      |
      | -1     |
      | abc    |

  @status:400 @error:status
  Scenario: A start request without a recording status is refused
    Given a call is active in the conversation
    When the moderator starts a recording without a status
    Then the request is refused with status 400 and error "status"

  @status:400 @error:status
  Scenario: The recording status is checked before the call
    When the moderator starts a recording with status "7"
    Then the request is refused with status 400 and error "status"

  @status:400 @error:recording
  Scenario Outline: A recording cannot be started while one is starting or running
    Given a call is active in the conversation
    And the room's recording is "<state>"
    When the moderator starts a video recording
    Then the request is refused with status 400 and error "recording"
    And the room's recording status is "<state>"

    Examples:
      | state          |
      | starting video |
      | starting audio |
      | video          |
      | audio          |

  @status:400 @error:call
  Scenario: A recording cannot be started without an active call
    When the moderator starts a video recording
    Then the request is refused with status 400 and error "call"
    And the recording server received no request

  @status:400 @error:config @admin @exclusive
  Scenario: A recording cannot be started while recording is disabled
    Given a call is active in the conversation
    And call recording is disabled on the target
    When the moderator starts a video recording
    Then the request is refused with status 400 and error "config"
    And the recording server received no request

  @status:400 @error:call @admin @exclusive
  Scenario: The call is checked before the recording configuration
    Given call recording is disabled on the target
    When the moderator starts a video recording
    Then the request is refused with status 400 and error "call"

  @status:401 @guest
  Scenario: A guest cannot start a recording
    Given the conversation is public
    And a guest has joined the conversation
    And a call is active in the conversation
    When the guest starts a video recording
    Then the request is refused because the caller is not logged in

  @status:401
  Scenario: An anonymous client cannot start a recording
    Given a call is active in the conversation
    When an anonymous client starts a video recording
    Then the request is refused because the caller is not logged in

  @status:403
  Scenario: A participant who is not a moderator cannot start a recording
    Given a call is active in the conversation
    When the participant starts a video recording
    Then the request is refused with status 403
    And the room's recording status is "none"

  @status:404
  Scenario: A user who is not a participant cannot start a recording
    Given a call is active in the conversation
    When the outsider starts a video recording
    Then the request is refused with status 404

  @status:404
  Scenario: A recording cannot be started in an unknown conversation
    When the moderator starts a video recording in an unknown conversation
    Then the request is refused with status 404

  @status:412
  Scenario: A start request without the OCS-APIRequest header fails the CSRF check
    Given a call is active in the conversation
    When the moderator starts a video recording without the OCS-APIRequest header
    Then the request is refused by the CSRF check
    And the room's recording status is "none"

  @status:500
  Scenario Outline: A recording server that does not accept the start makes the request fail
    Given a call is active in the conversation
    And the recording server will answer start requests with "<answer>"
    When the moderator starts a video recording
    Then the request fails with status 500 and OCS statuscode 996
    And the room's recording status is "none"

    Examples:
      | answer      |
      | unreachable |
      | 500         |
      | 404         |

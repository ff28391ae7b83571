@operation:recording-stop
Feature: Stop a call recording
  A moderator asks the target to stop the recording. The target tells the recording server and
  keeps the room's status until the recording server reports that it stopped.

  Background:
    Given a conversation with a moderator and a participant
    And a call is active in the conversation

  @status:200
  Scenario: Stopping when nothing is recorded does nothing
    When the moderator stops the recording
    Then the request succeeds
    And the room's recording status is "none"
    And the recording server received no request

  @status:200
  Scenario Outline: Stopping asks the recording server to stop and keeps the status
    Given the room's recording is "<state>"
    When the moderator stops the recording
    Then the request succeeds
    And the recording server received a request to stop the recording by the moderator
    And the room's recording status is "<state>"

    Examples:
      | state          |
      | starting video |
      | starting audio |
      | video          |
      | audio          |
      | failed         |

  @status:200 @transition:1-5 @transition:3-5
  Scenario Outline: A recording server that does not know the recording drives the room to failed
    Given the room's recording is "<state>"
    And the recording server will answer stop requests with "404"
    When the moderator stops the recording
    Then the request succeeds
    And the room's recording status is "failed"

    Examples:
      | state          |
      | video          |
      | starting video |

  @status:400 @error:config @admin @exclusive
  Scenario: Failing a recording the recording server does not know is refused while recording is disabled
    Given the room's recording is "video"
    And the recording server will answer stop requests with "404"
    And call recording is disabled on the target
    When the moderator stops the recording
    Then the request is refused with status 400 and error "config"

  @status:401
  Scenario: An anonymous client cannot stop a recording
    Given the room's recording is "video"
    When an anonymous client stops the recording
    Then the request is refused because the caller is not logged in
    And the recording server received no request to stop

  @status:401 @guest
  Scenario: A guest cannot stop a recording
    Given the conversation is public
    And a guest has joined the conversation
    And the room's recording is "video"
    When the guest stops the recording
    Then the request is refused because the caller is not logged in

  @status:403
  Scenario: A participant who is not a moderator cannot stop a recording
    Given the room's recording is "video"
    When the participant stops the recording
    Then the request is refused with status 403
    And the recording server received no request to stop

  @status:404
  Scenario: A user who is not a participant cannot stop a recording
    Given the room's recording is "video"
    When the outsider stops the recording
    Then the request is refused with status 404

  @status:404
  Scenario: A recording cannot be stopped in an unknown conversation
    When the moderator stops the recording in an unknown conversation
    Then the request is refused with status 404

  @status:412
  Scenario: A stop request without the OCS-APIRequest header fails the CSRF check
    Given the room's recording is "video"
    When the moderator stops the recording without the OCS-APIRequest header
    Then the request is refused by the CSRF check

  @status:500
  Scenario Outline: A recording server failure while stopping makes the request fail
    Given the room's recording is "video"
    And the recording server will answer stop requests with "<answer>"
    When the moderator stops the recording
    Then the request fails with status 500 and OCS statuscode 996
    And the room's recording status is "video"

    Examples:
      | answer      |
      | unreachable |
      | 500         |
      | 403         |

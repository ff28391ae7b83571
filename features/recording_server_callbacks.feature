@operation:recording-backend
Feature: Recording server reports
  The recording server reports to the target that a recording started, stopped or failed. Each report
  is a JSON body signed with an HMAC over the random and the exact body bytes.

  Background:
    Given a conversation with a moderator and a participant
    And a call is active in the conversation

  @status:200 @transition:3-1
  Scenario: The recording server reports that a video recording started
    Given the room's recording is "starting video"
    When the recording server reports that the recording started as video by the moderator
    Then the request succeeds
    And the room's recording status is "video"

  @status:200 @transition:4-2
  Scenario: The recording server reports that an audio recording started
    Given the room's recording is "starting audio"
    When the recording server reports that the recording started as audio by the moderator
    Then the request succeeds
    And the room's recording status is "audio"

  @status:200 @transition:1-0
  Scenario: The recording server reports that the recording stopped
    Given the room's recording is "video"
    When the recording server reports that the recording stopped by the moderator
    Then the request succeeds
    And the room's recording status is "none"

  @status:200 @transition:1-5
  Scenario: The recording server reports that the recording failed
    Given the room's recording is "video"
    When the recording server reports that the recording failed
    Then the request succeeds
    And the room's recording status is "failed"

  @status:200 @transition:3-2 @transition:4-1
  Scenario Outline: The type the recording server reports wins over the one that was asked for
    Given the room's recording is "<asked>"
    When the recording server reports that the recording started as <reported> by the moderator
    Then the request succeeds
    And the room's recording status is "<reported>"

    Examples:
      | asked          | reported |
      | starting video | audio    |
      | starting audio | video    |

  @status:200 @transition:3-1
  Scenario: A report signed with an uppercase checksum is accepted
    Given the room's recording is "starting video"
    When the recording server reports that the recording started as video by the moderator with an uppercase checksum
    Then the request succeeds
    And the room's recording status is "video"

  @status:400 @error:unknown_type
  Scenario Outline: A report of an unknown type is refused
    When the recording server sends the report <report>
    Then the request is refused with status 400 and error code "unknown_type"
    And the error message says that the report's type is not supported

    Examples:
      | report                                |
      | of type "paused" for the conversation |
      | without a type for the conversation   |
      | "this is not JSON"                    |

  @status:400 @error:unknown_type
  Scenario Outline: A report with missing or mistyped fields is refused
    Given the room's recording is "starting video"
    When the recording server sends the report <report>
    Then the request is refused with status 400 and error code "unknown_type"
    And the room's recording status is "starting video"

    Examples:
      | report                            |
      | "started" without a status        |
      | "started" without an actor        |
      | "started" with status 9           |
      | "started" with the status as text |
      | "stopped" with a numeric token    |
      | "failed" without its details      |

  @status:400 @error:config @admin @exclusive
  Scenario Outline: Reports that set a recording status are refused while recording is disabled
    Given the room's recording is "starting video"
    And call recording is disabled on the target
    When the recording server reports that the recording <outcome>
    Then the request is refused with status 400 and error code "config"

    Examples:
      | outcome                           |
      | started as video by the moderator |
      | failed                            |

  @status:403 @error:invalid_request
  Scenario Outline: A report that is not correctly signed is refused
    Given the room's recording is "starting video"
    When the recording server reports that the recording failed with <signature>
    Then the request is refused with status 403 and error code "invalid_request"
    And the room's recording status is "starting video"

    Examples:
      | signature                      |
      | a checksum of another secret   |
      | a random shorter than 32 bytes |
      | no random                      |
      | no checksum                    |

  @status:404 @error:no_such_room
  Scenario Outline: A report about an unknown conversation is refused
    When the recording server reports that the recording <outcome> in an unknown conversation
    Then the request is refused with status 404 and error code "no_such_room"

    Examples:
      | outcome                           |
      | started as video by the moderator |
      | stopped by the moderator          |
      | failed                            |

  @status:404 @error:no_such_room
  Scenario: A recording that nobody asked to start cannot be reported as started
    When the recording server reports that the recording started as video by the moderator
    Then the request is refused with status 404 and error code "no_such_room"
    And the room's recording status is "none"

  @status:412
  Scenario: A report without the OCS-APIRequest header fails the CSRF check
    Given the room's recording is "starting video"
    When the recording server reports that the recording failed without the OCS-APIRequest header
    Then the request is refused by the CSRF check
    And the room's recording status is "starting video"

  @status:429 @disruptive @exclusive
  Scenario: Repeated bad signatures from one address are throttled
    Given the recording server has sent 11 reports with a checksum of another secret
    When the recording server reports that the recording failed
    Then the request is refused with status 429

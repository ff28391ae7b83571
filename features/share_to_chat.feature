@operation:recording-share-to-chat
Feature: Share a stored recording into the chat
  The owner of a stored recording posts it into the conversation's chat.

  Background:
    Given a conversation with a moderator and a participant
    And the recording server has stored "video webm" for the moderator

  @status:200
  Scenario: The owner shares the recording into the chat
    When the moderator shares the stored recording into the chat
    Then the request succeeds
    And the chat shows the recording shared by the moderator
    And the moderator has no notification about a stored recording

  @status:400 @error:file
  Scenario: A file the caller does not have cannot be shared
    When the moderator shares the file "987654321" into the chat
    Then the request is refused with status 400 and error "file"

  @status:400 @error:fileId
  Scenario Outline: The file id must be a non-negative number
    When the moderator shares the stored recording into the chat with fileId <file id>
    Then the request is refused with status 400 and error "fileId"

    Examples:
      | file id |
      | "-1"    |
      | missing |

  @status:400 @error:timestamp
  Scenario: A share without a timestamp is refused
    When the moderator shares the stored recording into the chat without a timestamp
    Then the request is refused with status 400 and error "timestamp"

  @status:400 @error:Value_provided_for_dateTime_is_not_valid
  Scenario: Timestamp 0 is not a valid notification time for a share
    When the moderator shares the stored recording into the chat with timestamp "0"
    Then the request is refused with status 400 and error "Value provided for dateTime is not valid"

  @status:200
  Scenario: A share with a negative timestamp is accepted
    When the moderator shares the stored recording into the chat with timestamp "-1"
    Then the request succeeds
    And the chat shows the recording shared by the moderator

  @status:401
  Scenario: An anonymous client cannot share recordings
    When an anonymous client shares the stored recording into the chat
    Then the request is refused because the caller is not logged in

  @status:403
  Scenario: A participant who is not a moderator cannot share recordings
    When the participant shares the stored recording into the chat
    Then the request is refused with status 403

  @status:404
  Scenario: A user who is not a participant cannot share recordings
    When the outsider shares the stored recording into the chat
    Then the request is refused with status 404

  @status:412
  Scenario: Sharing without the OCS-APIRequest header fails the CSRF check
    When the moderator shares the stored recording into the chat without the OCS-APIRequest header
    Then the request is refused by the CSRF check

@operation:recording-notification-dismiss
Feature: Dismiss the "recording available" notification
  After a recording was stored its owner can dismiss the notification, identified by its timestamp.

  Background:
    Given a conversation with a moderator and a participant
    And the recording server has stored "video webm" for the moderator

  @status:200
  Scenario: The owner dismisses the notification by its timestamp
    When the moderator dismisses the recording notification
    Then the request succeeds
    And the moderator has no notification about a stored recording

  @status:200
  Scenario: A dismissal leaves other users' notifications alone
    Given the recording server has stored "audio ogg" for the participant
    When the moderator dismisses their recording notifications from the time the participant's recording was stored
    Then the request succeeds
    And the participant is notified that the recording "audio ogg" is available

  @status:400 @error:Value_provided_for_dateTime_is_not_valid
  Scenario: Timestamp 0 is not a valid notification time
    When the moderator dismisses the recording notifications with timestamp "0"
    Then the request is refused with status 400 and error "Value provided for dateTime is not valid"
    And the moderator is notified that the recording "video webm" is available

  @status:200
  Scenario: A timestamp that matches no notification dismisses nothing
    When the moderator dismisses the recording notifications with timestamp "12345"
    Then the request succeeds
    And the moderator is notified that the recording "video webm" is available

  @status:200
  Scenario: A negative timestamp dismisses nothing
    When the moderator dismisses the recording notifications with timestamp "-1"
    Then the request succeeds
    And the moderator is notified that the recording "video webm" is available

  @status:400 @error:timestamp
  Scenario: A dismissal without a timestamp is refused
    When the moderator dismisses the recording notifications without a timestamp
    Then the request is refused with status 400 and error "timestamp"

  @status:401
  Scenario: An anonymous client cannot dismiss notifications
    When an anonymous client dismisses the recording notifications with timestamp "0"
    Then the request is refused because the caller is not logged in

  @status:403
  Scenario: A participant who is not a moderator cannot dismiss recording notifications
    When the participant dismisses the recording notifications with timestamp "0"
    Then the request is refused with status 403

  @status:404
  Scenario: A user who is not a participant cannot dismiss recording notifications
    When the outsider dismisses the recording notifications with timestamp "0"
    Then the request is refused with status 404

  @status:412
  Scenario: A dismissal without the OCS-APIRequest header fails the CSRF check
    When the moderator dismisses the recording notifications with timestamp "0" without the OCS-APIRequest header
    Then the request is refused by the CSRF check
    And the moderator is notified that the recording "video webm" is available

@operation:recording-get-welcome-message
Feature: Check a recording server
  An administrator asks the target to contact one of its configured recording servers and show
  that server's welcome message.

  @status:200 @admin
  Scenario: The administrator reads the welcome message of the first recording server
    When the administrator asks for the welcome message of recording server 0
    Then the request succeeds with the recording server's welcome message

  @status:404 @admin
  Scenario: An unknown recording server is reported as not found
    When the administrator asks for the welcome message of recording server 7
    Then the request is refused with status 404 and no data

  @status:403
  Scenario: Only administrators may check a recording server
    When the moderator asks for the welcome message of recording server 0
    Then the request is refused with status 403

  @status:401
  Scenario: An anonymous client cannot check a recording server
    When an anonymous client asks for the welcome message of recording server 0
    Then the request is refused because the caller is not logged in

  @status:412 @admin
  Scenario: A check without the OCS-APIRequest header fails the CSRF check
    When the administrator asks for the welcome message of recording server 0 without the OCS-APIRequest header
    Then the request is refused by the CSRF check

  @status:404 @admin
  Scenario: A negative recording server index matches no route
    When the administrator asks for the welcome message of recording server -1
    Then the request matches no route

  @status:500 @error:CAN_NOT_CONNECT @error:JSON_INVALID @error:IS_SIGNALING_SERVER @admin @exclusive
  Scenario Outline: A recording server that cannot be used is reported with the reason
    Given the recording server's welcome endpoint <behaviour>
    When the administrator asks for the welcome message of recording server 0
    Then the request is refused with status 500 and error "<reason>"

    Examples:
      | behaviour                               | reason              |
      | is unreachable                          | CAN_NOT_CONNECT     |
      | answers with something that is not JSON | JSON_INVALID        |
      | answers like a signaling server         | IS_SIGNALING_SERVER |

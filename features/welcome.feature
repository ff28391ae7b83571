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

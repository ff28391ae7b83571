@protocol:welcome
Feature: The recording server's welcome
  Talk asks a recording server for its welcome document when an administrator checks the server in
  the settings. The request is not signed; the answer tells the version.

  Scenario: The welcome document tells the version
    When Talk asks the recording server for its welcome document
    Then the recording server answers 200 with a JSON document that has a version

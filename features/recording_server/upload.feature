@protocol:upload
Feature: The recording is uploaded to Talk
  After it reported stopped, a recording server uploads the recording to the room's store endpoint of
  the Nextcloud named in Talk-Recording-Backend: multipart/form-data with the fields owner and file,
  signed over random + the room token (the body itself is not signed). Talk keeps only audio/ogg,
  video/ogg, video/webm and video/x-matroska files whose name has the matching extension.

  Scenario Outline: A stopped recording is uploaded as <kind>
    Given the recording server is recording the room with status <status> for the owner "alice"
    When Talk stops the recording of the room as "alice"
    Then the recording server reports stopped for the room with the actor "alice"
    And the recording server then uploads the recording of the room as <kind> for the owner "alice"

    Examples:
      | status | kind       |
      | 1      | video/webm |
      | 2      | audio/ogg  |

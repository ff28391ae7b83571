@operation:recording-store
Feature: Store a finished recording
  The recording server uploads the recorded file for the owner of the recording, authenticated by
  an HMAC of the room token with the shared secret. The file lands in the owner's files and the
  owner is notified.

  Background:
    Given a conversation with a moderator and a participant

  @status:200
  Scenario Outline: A recording in an accepted format is stored for its owner
    When the recording server uploads "<sample>" for the moderator
    Then the request succeeds
    And the moderator is notified that the recording "<sample>" is available

    Examples:
      | sample     |
      | video webm |
      | audio ogg  |
      | video ogv  |
      | video mkv  |

  @status:400 @error:file_mimetype @until-talk:22
  Scenario: An MP4 recording is refused
    When the recording server uploads "video mp4" for the moderator
    Then the request is refused with status 400 and error "file_mimetype"
    And the moderator has no notification about a stored recording

  @status:200 @since-talk:23
  Scenario: An MP4 recording is stored
    When the recording server uploads "video mp4" for the moderator
    Then the request succeeds

  @status:200
  Scenario: Any user participant of the conversation may own the recording
    When the recording server uploads "video webm" for the participant
    Then the request succeeds
    And the participant is notified that the recording "video webm" is available

  @status:200
  Scenario: A checksum in uppercase hex is accepted
    When the recording server uploads "video webm" for the moderator with an uppercase checksum
    Then the request succeeds

  @status:401 @error:invalid_request
  Scenario Outline: An upload that is not correctly signed is refused
    When the recording server uploads "video webm" for the moderator with <signature>
    Then the request is refused with status 401 and error code "invalid_request"
    And the moderator has no notification about a stored recording

    Examples:
      | signature                      |
      | a checksum of another secret   |
      | a random shorter than 32 bytes |
      | no random                      |
      | no checksum                    |

  @status:404
  Scenario: An upload for an unknown conversation is refused
    When the recording server uploads "video webm" for the moderator in an unknown conversation
    Then the request is refused with status 404

  @status:400 @error:size
  Scenario: An upload without an owner is refused as too large
    When the recording server uploads "video webm" without an owner
    Then the request is refused with status 400 and error "size"

  @status:400 @error:owner_participant
  Scenario Outline: The owner must be a user participant of the conversation
    When the recording server uploads "video webm" for <owner>
    Then the request is refused with status 400 and error "owner_participant"

    Examples:
      | owner          |
      | the outsider   |
      | an empty owner |

  @status:400 @error:invalid_file
  Scenario: A file larger than the upload limit is refused
    When the recording server uploads a video larger than the upload limit for the moderator
    Then the request is refused with status 400 and error "invalid_file"

  @status:400 @error:invalid_file
  Scenario: A file larger than the form's MAX_FILE_SIZE is refused
    When the recording server uploads "video webm" for the moderator with a MAX_FILE_SIZE of 10 bytes
    Then the request is refused with status 400 and error "invalid_file"

  @status:400 @error:invalid_file
  Scenario: An upload without a file is refused
    When the recording server uploads no file for the moderator
    Then the request is refused with status 400 and error "invalid_file"

  @status:400 @error:empty_file
  Scenario: An empty file is refused
    When the recording server uploads "empty file" for the moderator
    Then the request is refused with status 400 and error "empty_file"

  @status:400 @error:file_mimetype
  Scenario: A file that is not a recording is refused
    When the recording server uploads "text file" for the moderator
    Then the request is refused with status 400 and error "file_mimetype"

  @status:400 @error:file_extension
  Scenario Outline: A file whose name does not match its format is refused
    When the recording server uploads "<sample>" for the moderator
    Then the request is refused with status 400 and error "file_extension"

    Examples:
      | sample                 |
      | webm named ogg         |
      | webm without extension |

  @status:412
  Scenario: An upload without the OCS-APIRequest header fails the CSRF check
    When the recording server uploads "video webm" for the moderator without the OCS-APIRequest header
    Then the request is refused by the CSRF check
    And the moderator has no notification about a stored recording

  @status:429 @disruptive @exclusive
  Scenario: Repeated bad signatures from one address are throttled
    Given the recording server has sent 11 uploads with a checksum of another secret
    When the recording server uploads "video webm" for the moderator
    Then the request is refused with status 429

@protocol:room
Feature: Start and stop requests a recording server refuses
  Talk names itself in Talk-Recording-Backend and signs every start and stop with a random and
  Talk-Recording-Checksum, the HMAC-SHA256 of random + body keyed with the secret both sides share.
  A recording server checks a request in this order, and the first check that fails decides the answer:
  the backend, the random, the checksum header, the size of the body, the checksum itself, then the message.

  Scenario Outline: A request not signed by a known backend is refused with 403
    When Talk sends a start <flaw>
    Then the recording server answers 403
    And the recording server reports nothing about the room

    Examples:
      | flaw                                              |
      | without the Talk-Recording-Backend header         |
      | from a backend the recording server does not know |
      | without the Talk-Recording-Random header          |
      | without the Talk-Recording-Checksum header        |

  Scenario Outline: A missing, empty or oversized body is refused with 400 before the checksum is checked
    When Talk sends <body> with a wrong checksum
    Then the recording server answers 400

    Examples:
      | body                |
      | no body             |
      | an empty body       |
      | a body of 64 KiB    |

  Scenario: A start with a wrong checksum is refused with 403
    When Talk sends a start with a wrong checksum
    Then the recording server answers 403
    And the recording server reports nothing about the room

  Scenario: A signed body that is not JSON is refused with 400
    When Talk sends a signed body that is not JSON
    Then the recording server answers 400

  Scenario Outline: A message without a known type is refused with 400
    When Talk sends a signed start <flaw>
    Then the recording server answers 400
    And the recording server reports nothing about the room

    Examples:
      | flaw                  |
      | without a type        |
      | whose type is unknown |

  Scenario Outline: A start without one of its required fields is refused with 400
    When Talk sends a signed start without <field>
    Then the recording server answers 400
    And the recording server reports nothing about the room

    Examples:
      | field            |
      | start            |
      | start.owner      |
      | start.actor      |
      | start.actor.type |
      | start.actor.id   |

  Scenario: A stop without its stop object is refused with 400
    When Talk sends a signed stop without its stop object
    Then the recording server answers 400

  Scenario: A stop for a room that is not being recorded is answered 404, which Talk turns into failed
    When Talk stops the recording of a room the recording server is not recording
    Then the recording server answers 404

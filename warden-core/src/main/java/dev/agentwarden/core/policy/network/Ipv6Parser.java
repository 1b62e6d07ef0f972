package dev.agentwarden.core.policy.network;

import java.util.Optional;

/**
 * IPv6 text parsing following the WHATWG URL standard's IPv6 parser: hex pieces of up to four
 * digits, one {@code ::}, and an optional trailing dotted-quad IPv4 part with strict decimal
 * parts (no leading zeros). Zone ids ({@code %eth0}) are never accepted: a zone names an
 * interface of this machine, which is exactly what a remote caller must not choose.
 */
final class Ipv6Parser {
  private Ipv6Parser() {}

  static Optional<byte[]> parse(String input) {
    int[] address = new int[8];
    int pieceIndex = 0;
    int compress = -1;
    int pointer = 0;
    int len = input.length();
    if (len == 0) {
      return Optional.empty();
    }
    if (input.charAt(0) == ':') {
      if (len < 2 || input.charAt(1) != ':') {
        return Optional.empty();
      }
      pointer = 2;
      pieceIndex = 1;
      compress = 1;
    }
    while (pointer < len) {
      if (pieceIndex == 8) {
        return Optional.empty();
      }
      char c = input.charAt(pointer);
      if (c == ':') {
        if (compress != -1) {
          return Optional.empty();
        }
        pointer++;
        pieceIndex++;
        compress = pieceIndex;
        continue;
      }
      int value = 0;
      int length = 0;
      while (length < 4 && pointer < len && hex(input.charAt(pointer)) >= 0) {
        value = value * 16 + hex(input.charAt(pointer));
        pointer++;
        length++;
      }
      if (pointer < len && input.charAt(pointer) == '.') {
        if (length == 0) {
          return Optional.empty();
        }
        pointer -= length;
        if (pieceIndex > 6) {
          return Optional.empty();
        }
        int numbersSeen = 0;
        while (pointer < len) {
          int ipv4Piece = -1;
          if (numbersSeen > 0) {
            if (input.charAt(pointer) == '.' && numbersSeen < 4) {
              pointer++;
            } else {
              return Optional.empty();
            }
          }
          if (pointer >= len || !digit(input.charAt(pointer))) {
            return Optional.empty();
          }
          while (pointer < len && digit(input.charAt(pointer))) {
            int number = input.charAt(pointer) - '0';
            if (ipv4Piece == -1) {
              ipv4Piece = number;
            } else if (ipv4Piece == 0) {
              return Optional.empty();
            } else {
              ipv4Piece = ipv4Piece * 10 + number;
            }
            if (ipv4Piece > 255) {
              return Optional.empty();
            }
            pointer++;
          }
          address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
          numbersSeen++;
          if (numbersSeen == 2 || numbersSeen == 4) {
            pieceIndex++;
          }
        }
        if (numbersSeen != 4) {
          return Optional.empty();
        }
        break;
      } else if (pointer < len && input.charAt(pointer) == ':') {
        pointer++;
        if (pointer >= len) {
          return Optional.empty();
        }
      } else if (pointer < len) {
        return Optional.empty();
      }
      address[pieceIndex] = value;
      pieceIndex++;
    }
    if (compress != -1) {
      int swaps = pieceIndex - compress;
      pieceIndex = 7;
      while (pieceIndex != 0 && swaps > 0) {
        int tmp = address[pieceIndex];
        address[pieceIndex] = address[compress + swaps - 1];
        address[compress + swaps - 1] = tmp;
        pieceIndex--;
        swaps--;
      }
    } else if (pieceIndex != 8) {
      return Optional.empty();
    }
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[2 * i] = (byte) (address[i] >>> 8);
      out[2 * i + 1] = (byte) address[i];
    }
    return Optional.of(out);
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}

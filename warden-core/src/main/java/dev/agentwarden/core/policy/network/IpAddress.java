package dev.agentwarden.core.policy.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address as a value: no host name, no zone id, no DNS.
 *
 * <p>Unlike {@link InetAddress}, constructing one never performs a lookup, and two addresses are
 * equal exactly when their family and bits are equal. IPv6 addresses are held as two longs so
 * that range checks are a few integer operations.
 */
public final class IpAddress {
  private final boolean v4;
  private final long hi;
  private final long lo;

  private IpAddress(boolean v4, long hi, long lo) {
    this.v4 = v4;
    this.hi = hi;
    this.lo = lo;
  }

  /** The IPv4 address with the given 32 bits. */
  public static IpAddress ofV4(int bits) {
    return new IpAddress(true, 0, bits & 0xFFFF_FFFFL);
  }

  /** The IPv6 address with the given high and low 64 bits. */
  public static IpAddress ofV6(long hi, long lo) {
    return new IpAddress(false, hi, lo);
  }

  /** The address held in 4 or 16 bytes, network order. */
  public static IpAddress ofBytes(byte[] bytes) {
    if (bytes.length == 4) {
      return ofV4(((bytes[0] & 0xFF) << 24) | ((bytes[1] & 0xFF) << 16) | ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF));
    }
    if (bytes.length == 16) {
      long h = 0;
      long l = 0;
      for (int i = 0; i < 8; i++) {
        h = (h << 8) | (bytes[i] & 0xFF);
        l = (l << 8) | (bytes[i + 8] & 0xFF);
      }
      return ofV6(h, l);
    }
    throw new IllegalArgumentException("an IP address has 4 or 16 bytes, got " + bytes.length);
  }

  /**
   * Parses a canonical literal: dotted-quad IPv4 with four decimal parts (no leading zeros other
   * than a lone 0), or an IPv6 address in any RFC 4291 text form without brackets or zone id.
   * This is for configuration and resolver tables; URLs go through {@link HttpUrl}, which also
   * reads the legacy IPv4 forms browsers accept.
   */
  public static Optional<IpAddress> parse(String text) {
    if (text.indexOf(':') >= 0) {
      return Ipv6Parser.parse(text).map(IpAddress::ofBytes);
    }
    return Ipv4Parser.parseDottedQuad(text).map(IpAddress::ofV4);
  }

  public boolean isV4() {
    return v4;
  }

  public boolean isV6() {
    return !v4;
  }

  /** The 32 bits of an IPv4 address. */
  int v4Bits() {
    return (int) lo;
  }

  long hi() {
    return hi;
  }

  long lo() {
    return lo;
  }

  /** The address in network byte order: 4 or 16 bytes. */
  public byte[] toBytes() {
    if (v4) {
      int b = v4Bits();
      return new byte[] {(byte) (b >>> 24), (byte) (b >>> 16), (byte) (b >>> 8), (byte) b};
    }
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (hi >>> (56 - 8 * i));
      out[i + 8] = (byte) (lo >>> (56 - 8 * i));
    }
    return out;
  }

  /**
   * This address as an {@link InetAddress} without any lookup. Note that the JDK turns an
   * IPv4-mapped IPv6 address into an {@code Inet4Address}; callers connect to the address chosen
   * by {@link NetworkPolicy}, which already made that choice explicit.
   */
  public InetAddress toInetAddress() {
    try {
      return InetAddress.getByAddress(toBytes());
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are always a valid address", e);
    }
  }

  /** Canonical text: dotted quad, or RFC 5952 compressed lowercase IPv6 (no brackets). */
  @Override
  public String toString() {
    if (v4) {
      int b = v4Bits();
      return (b >>> 24) + "." + ((b >>> 16) & 0xFF) + "." + ((b >>> 8) & 0xFF) + "." + (b & 0xFF);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 4; i++) {
      groups[i] = (int) ((hi >>> (48 - 16 * i)) & 0xFFFF);
      groups[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xFFFF);
    }
    // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  /** The form used inside a URL authority: IPv6 in brackets. */
  public String toUriHost() {
    return v4 ? toString() : "[" + this + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IpAddress other && other.v4 == v4 && other.hi == hi && other.lo == lo;
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(v4) * 31 * 31 + Long.hashCode(hi) * 31 + Long.hashCode(lo);
  }
}

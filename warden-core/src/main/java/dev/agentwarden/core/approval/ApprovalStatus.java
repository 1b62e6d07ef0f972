package dev.agentwarden.core.approval;

import java.util.Locale;

/** Where an approval request stands. Only {@link #APPROVED} can be executed, once. */
public enum ApprovalStatus {
  PENDING,
  APPROVED,
  DENIED,
  EXECUTED,
  EXPIRED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ApprovalStatus fromWire(String s) {
    for (ApprovalStatus v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new ApprovalException("invalid_status", "status must be one of pending, approved, denied, executed, expired");
  }
}

package dev.agentwarden.core.policy.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressClassifierTest {

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "0.0.0.0, UNSPECIFIED",
    "0.1.2.3, THIS_NETWORK",
    "10.255.255.255, PRIVATE",
    "100.64.0.1, CARRIER_GRADE_NAT",
    "100.127.255.255, CARRIER_GRADE_NAT",
    "100.100.100.200, CLOUD_METADATA",
    "127.1.2.3, LOOPBACK",
    "169.254.1.1, LINK_LOCAL",
    "169.254.169.254, CLOUD_METADATA",
    "168.63.129.16, CLOUD_METADATA",
    "172.16.0.1, PRIVATE",
    "172.31.255.254, PRIVATE",
    "192.0.0.1, RESERVED",
    "192.0.2.1, DOCUMENTATION",
    "192.168.1.1, PRIVATE",
    "198.18.0.1, BENCHMARKING",
    "198.19.255.255, BENCHMARKING",
    "198.51.100.7, DOCUMENTATION",
    "203.0.113.9, DOCUMENTATION",
    "224.0.0.1, MULTICAST",
    "239.255.255.250, MULTICAST",
    "240.0.0.1, RESERVED",
    "255.255.255.255, BROADCAST",
    "::, UNSPECIFIED",
    "::1, LOOPBACK",
    "::ffff:127.0.0.1, LOOPBACK",
    "::ffff:0:0, UNSPECIFIED",
    "::10.0.0.1, PRIVATE",
    "::2, THIS_NETWORK",
    "64:ff9b::a9fe:a9fe, CLOUD_METADATA",
    "64:ff9b:1::1, NAT64_LOCAL",
    "100::1, DISCARD",
    "2001::1, TEREDO",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2, TEREDO",
    "2001:2::1, BENCHMARKING",
    "2001:db8::1, DOCUMENTATION",
    "2001:10::1, RESERVED",
    "2002:7f00:1::, LOOPBACK",
    "2002:a9fe:a9fe::1, CLOUD_METADATA",
    "3fff::1, DOCUMENTATION",
    "fc00::1, UNIQUE_LOCAL",
    "fd12:3456:789a::1, UNIQUE_LOCAL",
    "fd00:ec2::254, CLOUD_METADATA",
    "fe80::1, LINK_LOCAL",
    "febf::1, LINK_LOCAL",
    "fec0::1, SITE_LOCAL",
    "ff02::1, MULTICAST",
    "4000::1, RESERVED",
    "8.8.8.8, PUBLIC",
    "172.32.0.1, PUBLIC",
    "169.255.0.1, PUBLIC",
    "100.128.0.1, PUBLIC",
    "::ffff:8.8.8.8, PUBLIC",
    "64:ff9b::808:808, PUBLIC",
    "2002:808:808::, PUBLIC",
    "2606:4700:4700::1111, PUBLIC",
  })
  void addressesAreClassifiedByTheSpecialPurposeRegistries(String address, AddressClass expected) {
    IpAddress ip = IpAddress.parse(address).orElseThrow();
    assertThat(AddressClassifier.classify(ip).addressClass()).isEqualTo(expected);
  }

  @Test
  void mappedAndCompatibleForms_connectToTheEmbeddedIpv4Address() {
    IpAddress mapped = IpAddress.parse("::ffff:8.8.8.8").orElseThrow();
    assertThat(AddressClassifier.classify(mapped).connectTo()).isEqualTo(IpAddress.parse("8.8.8.8").orElseThrow());
    IpAddress nat64 = IpAddress.parse("64:ff9b::8.8.8.8").orElseThrow();
    assertThat(AddressClassifier.classify(nat64).connectTo()).isEqualTo(nat64);
  }

  @Test
  void strictLiteralParser_refusesLegacyForms() {
    assertThat(IpAddress.parse("127.1")).isEmpty();
    assertThat(IpAddress.parse("0177.0.0.1")).isEmpty();
    assertThat(IpAddress.parse("fe80::1%eth0")).isEmpty();
    assertThat(IpAddress.parse("1.2.3.4").orElseThrow().toString()).isEqualTo("1.2.3.4");
  }

  @Test
  void cidr_rejectsHostBitsAndMatchesOnlyItsFamily() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse("10.0.0.1/8"))
        .hasMessageContaining("10.0.0.0/8");
    Cidr c = Cidr.parse("127.0.0.0/8");
    assertThat(c.contains(IpAddress.parse("127.9.9.9").orElseThrow())).isTrue();
    assertThat(c.contains(IpAddress.parse("::ffff:127.0.0.1").orElseThrow())).isFalse();
    assertThat(Cidr.parse("::/0").contains(IpAddress.parse("1.1.1.1").orElseThrow())).isFalse();
  }
}

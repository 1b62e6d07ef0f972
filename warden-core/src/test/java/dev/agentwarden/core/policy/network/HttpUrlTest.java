package dev.agentwarden.core.policy.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HttpUrlTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "http://127.0.0.1/, 127.0.0.1",
    "http://2130706433/, 127.0.0.1",
    "http://0x7f000001/, 127.0.0.1",
    "http://0X7F000001/, 127.0.0.1",
    "http://0177.0.0.1/, 127.0.0.1",
    "http://0177.01.02.03/, 127.1.2.3",
    "http://0x7f.1/, 127.0.0.1",
    "http://127.1/, 127.0.0.1",
    "http://127.0.1/, 127.0.0.1",
    "http://0/, 0.0.0.0",
    "http://0x/, 0.0.0.0",
    "http://10.0.0.1./, 10.0.0.1",
    "http://172.2097150/, 172.31.255.254",
    "http://0xc0.0xa80101/, 192.168.1.1",
    "http://%31%32%37%2E%30%2E%30%2E%31/, 127.0.0.1",
    "http://127。0。0。1/, 127.0.0.1",
    "http://127｡0｡0｡1/, 127.0.0.1",
    "http://127．0．0．1/, 127.0.0.1",
    "http://１２７.０.０.１/, 127.0.0.1",
    "http://010.010.010.010/, 8.8.8.8",
    "http://[::ffff:127.0.0.1]/, ::ffff:7f00:1",
    "http://[0:0:0:0:0:ffff:169.254.169.254]/, ::ffff:a9fe:a9fe",
    "http://[0000::1]:8080/, ::1",
    "http://[FE80::1]/, fe80::1",
    "http://[2001:db8:0:0:1:0:0:1]/, 2001:db8::1:0:0:1",
  })
  void ipv4AndIpv6Forms_areReadAsTheAddressTheyMean(String url, String address) {
    HttpUrl u = HttpUrl.parse(url);
    assertThat(u.ipLiteral()).isPresent();
    assertThat(u.ipLiteral().get().toString()).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://user:pass@8.8.8.8/",
        "http://user@example.com/",
        "http://example.com@127.0.0.1/",
        "http://@127.0.0.1/",
        "http://127.0.0.1:80\\@@example.com/",
        "http:\\\\127.0.0.1/",
        "http://example.com\\@127.0.0.1/",
        "http://example.com/a\\b",
        "http:127.0.0.1/",
        "http:/127.0.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://127.0.0.1/",
        "netdoc:///etc/passwd",
        "javascript:alert(1)",
        "//example.com/",
        "example.com",
        "http://[fe80::1%25eth0]/",
        "http://[fe80::1%eth0]/",
        "http://[::1/",
        "http://[::1]x/",
        "http://[:::1]/",
        "http://[1:2:3:4:5:6:7:8:9]/",
        "http://[::ffff:127.0.0.01]/",
        "http://::1/",
        "http://008.008.008.008/",
        "http://09/",
        "http://1.2.3.4.5/",
        "http://256.0.0.1/",
        "http://1.256.0.0.1/",
        "http://4294967296/",
        "http://0x100000000/",
        "http://127.0.0.1:0/",
        "http://127.0.0.1:65536/",
        "http://127.0.0.1:8o/",
        "http://exa mple.com/",
        "http://example.com/\t",
        "http://exam\nple.com/",
        "http://example.com\u0000.evil/",
        "http://%zz/",
        "http://%4/",
        "http://%ff%fe/",
        "http://%25%34%31/",
        "http://ex%2fample.com/",
        "http://a..b/",
        "http:///path",
        "http://:80/",
        "http://example.com/%zz",
        "http://example.com/?q=%g0",
        "http://exa<mple.com/",
        "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com/",
      })
  void dangerousOrMalformedUrls_areRejected(String url) {
    assertThatThrownBy(() -> HttpUrl.parse(url))
        .isInstanceOf(InvalidUrlException.class)
        .satisfies(e -> assertThat(((InvalidUrlException) e).code()).isEqualTo("invalid_url"));
  }

  @Test
  void hostNames_areIdnaLowercasedAndLoseTrailingDot() {
    assertThat(HttpUrl.parse("https://API.GitHub.com./x").host()).isEqualTo("api.github.com");
    assertThat(HttpUrl.parse("https://bücher.example/").host()).isEqualTo("xn--bcher-kva.example");
    assertThat(HttpUrl.parse("https://ＥＸＡＭＰＬＥ.com/").host()).isEqualTo("example.com");
    assertThat(HttpUrl.parse("https://example%2Ecom/").host()).isEqualTo("example.com");
  }

  @Test
  void portsDefaultPerScheme_andAuthorityOmitsDefault() {
    assertThat(HttpUrl.parse("https://example.com/").port()).isEqualTo(443);
    assertThat(HttpUrl.parse("http://example.com:/").port()).isEqualTo(80);
    HttpUrl u = HttpUrl.parse("http://[::1]:8080/a?b=c#frag");
    assertThat(u.authority()).isEqualTo("[::1]:8080");
    assertThat(u.requestTarget()).isEqualTo("/a?b=c");
    assertThat(u.toString()).isEqualTo("http://[::1]:8080/a?b=c");
  }

  @Test
  void dotSegments_includingEncodedOnes_areRemoved() {
    assertThat(HttpUrl.parse("https://h/repos/../admin").path()).isEqualTo("/admin");
    assertThat(HttpUrl.parse("https://h/repos/%2e%2E/admin").path()).isEqualTo("/admin");
    assertThat(HttpUrl.parse("https://h/a/./b/.").path()).isEqualTo("/a/b/");
    assertThat(HttpUrl.parse("https://h/../../etc").path()).isEqualTo("/etc");
    assertThat(HttpUrl.parse("https://h").path()).isEqualTo("/");
  }

  @Test
  void unsafeCharactersInPathAndQuery_arePercentEncoded() {
    HttpUrl u = HttpUrl.parse("https://h/ä\"<>?q=é'");
    assertThat(u.path()).isEqualTo("/%C3%A4%22%3C%3E");
    assertThat(u.query()).contains("q=%C3%A9%27");
  }

  @Test
  void resolve_handlesAbsoluteRelativeAndSchemeRelativeReferences() {
    HttpUrl base = HttpUrl.parse("https://a.example/dir/page?x=1");
    assertThat(base.resolve("http://b.example/z").toString()).isEqualTo("http://b.example/z");
    assertThat(base.resolve("//c.example/y").toString()).isEqualTo("https://c.example/y");
    assertThat(base.resolve("/root").toString()).isEqualTo("https://a.example/root");
    assertThat(base.resolve("other").toString()).isEqualTo("https://a.example/dir/other");
    assertThat(base.resolve("../up").toString()).isEqualTo("https://a.example/up");
    assertThat(base.resolve("?y=2").toString()).isEqualTo("https://a.example/dir/page?y=2");
    assertThatThrownBy(() -> base.resolve("//127.0.0.1\\@x/")).isInstanceOf(InvalidUrlException.class);
    assertThatThrownBy(() -> base.resolve("file:///etc/passwd")).isInstanceOf(InvalidUrlException.class);
  }
}

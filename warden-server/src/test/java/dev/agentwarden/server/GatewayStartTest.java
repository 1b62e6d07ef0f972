package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("database")
class GatewayStartTest {

  @Test
  void operatorKeyFile_isWrittenOnceWithMode0600_andRestartsKeepWorking(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("operator.key");
    Map<String, String> settings = Map.of("operator_key_file", keyFile.toString());
    try (TestGateway first = TestGateway.start(settings)) {
      assertThat(first.operatorKey()).as("not printed when a key file is asked for").isEmpty();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
      String key = Files.readString(keyFile).strip();
      assertThat(first.get("/v1/tenants", key).status()).isEqualTo(200);
      first.close();
      try (TestGateway again = TestGateway.secondOn(first, settings)) {
        assertThat(again.operatorKey()).isEmpty();
        assertThat(Files.readString(keyFile).strip()).isEqualTo(key);
        assertThat(again.get("/v1/tenants", key).status()).isEqualTo(200);
      }
    }
  }

  @Test
  void aSecondProcess_doesNotMintAnotherOperatorKey() {
    try (TestGateway first = TestGateway.start(); TestGateway second = TestGateway.secondOn(first, Map.of())) {
      assertThat(first.operatorKey()).startsWith("wdn_");
      assertThat(second.operatorKey()).isEmpty();
      assertThat(second.get("/v1/tenants", first.operatorKey()).status()).isEqualTo(200);
    }
  }

  @Test
  void aDifferentPepper_onTheSameDatabase_failsClearlyAtStart() {
    try (TestGateway first = TestGateway.start()) {
      assertThatThrownBy(() -> TestGateway.onSameDatabase(first, Map.of()))
          .isInstanceOf(GatewayConfig.InvalidConfigException.class)
          .hasMessageContaining("pepper does not match");
    }
  }

  @Test
  void theDataDirectory_andPepper_arePrivate() throws Exception {
    try (TestGateway gw = TestGateway.start()) {
      Path pepper = gw.dataDir().resolve("pepper");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pepper))).isEqualTo("rw-------");
    }
  }
}

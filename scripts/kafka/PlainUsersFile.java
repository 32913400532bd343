package tenantcdc.stack;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;

/**
 * The test broker's SASL/PLAIN users, read from a properties file (user=password) at every login, so a
 * test can add a principal, or change its password, while the broker runs, as a managed Kafka lets one
 * create and revoke API keys. Kafka's own PLAIN handler reads fixed users from the JAAS config only.
 * The file is named by the JAAS option usersFile of the listener's PlainLoginModule.
 */
public class PlainUsersFile extends PlainServerCallbackHandler {
    private Path usersFile;

    @Override
    public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        super.configure(configs, mechanism, jaasConfigEntries);
        for (AppConfigurationEntry entry : jaasConfigEntries) {
            Object file = entry.getOptions().get("usersFile");
            if (file != null) usersFile = Path.of(file.toString());
        }
        if (usersFile == null) throw new IllegalArgumentException("PlainUsersFile needs the JAAS option usersFile");
    }

    @Override
    protected boolean authenticate(String username, char[] password) throws IOException {
        Properties users = new Properties();
        try (Reader reader = Files.newBufferedReader(usersFile, StandardCharsets.UTF_8)) {
            users.load(reader);
        }
        String expected = users.getProperty(username);
        // constant time, like Kafka's own handler
        return expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), new String(password).getBytes(StandardCharsets.UTF_8));
    }
}

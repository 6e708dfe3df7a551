using System.CommandLine;
using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

// The credentials file must never let a reader connect: it holds salted hashes, never a password, and only its owner may read it.
public sealed class MqttCredentialStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hg-cred-" + Guid.NewGuid().ToString("N"));

    private string FilePath => Path.Combine(_dir, "mqtt-users");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Added_user_verifies_and_the_file_holds_only_a_hash()
    {
        var store = new MqttCredentialStore(FilePath);
        var password = store.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Device));

        Assert.Equal(43, password.Length); // 32 bytes, URL-safe base64 without padding
        Assert.True(store.Verify("zigbee2mqtt", password));
        Assert.False(store.Verify("zigbee2mqtt", password[..^1]));
        Assert.False(store.Verify("other", password));
        var text = File.ReadAllText(FilePath);
        Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        Assert.StartsWith("zigbee2mqtt:" + MqttCredentialStore.FormatPrefix, text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        }
    }

    [Fact]
    public void Adding_a_user_again_replaces_its_line_and_old_password()
    {
        var store = new MqttCredentialStore(FilePath);
        var first = store.AddUser("dispenser", MqttRoles.Of(MqttRoles.Device));
        store.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Device));
        var second = store.AddUser("dispenser", MqttRoles.Of(MqttRoles.Device));

        Assert.Equal(2, File.ReadAllLines(FilePath).Length);
        Assert.False(store.Verify("dispenser", first));
        Assert.True(store.Verify("dispenser", second));
    }

    [Fact]
    public void A_user_added_by_another_process_is_seen_without_restart()
    {
        var broker = new MqttCredentialStore(FilePath);
        Assert.False(broker.Verify("late", "x"));
        var password = new MqttCredentialStore(FilePath).AddUser("late", MqttRoles.Of(MqttRoles.Device));
        Assert.True(broker.Verify("late", password));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("has space")]
    public void Invalid_user_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new MqttCredentialStore(FilePath).AddUser(name, MqttRoles.Of(MqttRoles.Device)));

    [Fact]
    public void Users_add_command_prints_only_the_password_on_stdout()
    {
        var root = new RootCommand { MqttCommands.Create() };
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = root.Parse(["mqtt", "users", "add", "zigbee2mqtt", "--data", _dir])
            .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });

        Assert.Equal(0, exit);
        var password = stdout.ToString().Trim();
        Assert.DoesNotContain('\n', password);
        Assert.True(new MqttCredentialStore(FilePath).Verify("zigbee2mqtt", password));
        Assert.Contains("zigbee2mqtt", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Users_add_command_without_a_location_fails()
    {
        var root = new RootCommand { MqttCommands.Create() };
        var stdout = new StringWriter();
        var exit = root.Parse(["mqtt", "users", "add", "x"]).Invoke(new InvocationConfiguration { Output = stdout, Error = new StringWriter() });
        Assert.NotEqual(0, exit);
        Assert.Equal("", stdout.ToString());
    }
}

using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

// A wrong MQTT setup fails at start with a message that names the setting to change — never at the first connection.
public sealed class MqttOptionsValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private GatewayOptions External(Action<ExternalBrokerOptions>? configure = null, bool writePassword = true)
    {
        if (writePassword)
        {
            ExternalGatewayFixture.WritePasswordFile(_dir.Path, "secret");
        }

        var external = new ExternalBrokerOptions { Host = "127.0.0.1", UserName = "homegateway" };
        configure?.Invoke(external);
        return new GatewayOptions
        {
            HomeFile = "home.yaml",
            DataDirectory = _dir.Path,
            Mqtt = new MqttOptions { Mode = "external", External = external },
        };
    }

    private static List<string> Problems(GatewayOptions options)
    {
        var result = new GatewayOptionsValidator().Validate(null, options);
        return result.Succeeded ? [] : [.. result.Failures!];
    }

    [Theory]
    [InlineData(512, 30, "Gateway:Mqtt:MaxPacketBytes must be between 1024 and 16777216")]
    [InlineData(32 * 1024, 30, "Gateway:Mqtt:MaxPacketBytes (32768) is smaller than Gateway:Mqtt:MaxPayloadBytes (65536)")]
    [InlineData(256 * 1024, 0, "Gateway:Mqtt:ConnectionAttemptsPerMinute must be between 1 and 10000")]
    public void Embedded_broker_bounds_are_checked_at_start(int maxPacketBytes, int attemptsPerMinute, string problem)
    {
        var options = new GatewayOptions
        {
            HomeFile = "home.yaml",
            DataDirectory = _dir.Path,
            Mqtt = new MqttOptions { MaxPacketBytes = maxPacketBytes, ConnectionAttemptsPerMinute = attemptsPerMinute },
        };
        Assert.Contains(Problems(options), p => p.StartsWith(problem, StringComparison.Ordinal));
        Assert.DoesNotContain(Problems(new GatewayOptions { HomeFile = "home.yaml", DataDirectory = _dir.Path }), p => p.Contains("Gateway:Mqtt:", StringComparison.Ordinal));
    }

    [Fact]
    public void External_mode_on_loopback_with_user_and_password_file_is_valid_and_uses_plain_mqtt_on_1883()
    {
        var options = External();
        Assert.Empty(Problems(options));
        Assert.False(ExternalBrokerSettings.UsesTls(options.Mqtt.External));
        Assert.Equal(1883, ExternalBrokerSettings.Port(options.Mqtt.External));
        Assert.Equal("homegateway-kotka-0042", ExternalBrokerSettings.ClientId(options.Mqtt.External, "kotka-0042"));
    }

    [Fact]
    public void Tls_is_on_by_default_towards_another_machine_and_then_8883()
    {
        var options = External(e => e.Host = "192.168.1.20");
        Assert.Empty(Problems(options));
        Assert.True(ExternalBrokerSettings.UsesTls(options.Mqtt.External));
        Assert.Equal(8883, ExternalBrokerSettings.Port(options.Mqtt.External));
    }

    [Fact]
    public void Tls_off_towards_another_machine_is_refused_naming_the_setting()
    {
        var problem = Assert.Single(Problems(External(e =>
        {
            e.Host = "zigbee-pi.local";
            e.Tls.Enabled = false;
        })));
        Assert.Contains("Gateway:Mqtt:External:Tls:Enabled is false", problem, StringComparison.Ordinal);
        Assert.Contains("'zigbee-pi.local' is not this machine", problem, StringComparison.Ordinal);
        Assert.Contains("Set Gateway:Mqtt:External:Tls:Enabled to true", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_mode_is_refused()
    {
        var options = External();
        options.Mqtt.Mode = "cloud";
        var problem = Assert.Single(Problems(options));
        Assert.Contains("Gateway:Mqtt:Mode 'cloud' is unknown", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_password_file_host_and_user_are_each_named()
    {
        var problems = Problems(External(e =>
        {
            e.Host = null;
            e.UserName = null;
        }, writePassword: false));
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:Host is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:UserName is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("mqtt-external-password does not exist", StringComparison.Ordinal));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the gateway runs on Linux; file modes are the point here
    public void A_password_file_every_user_can_read_or_an_empty_one_is_refused()
    {
        var options = External();
        var file = ExternalBrokerSettings.PasswordFile(options);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Contains("readable by every user", Assert.Single(Problems(options)), StringComparison.Ordinal);

        File.WriteAllText(file, "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("is empty", Assert.Single(Problems(options)), StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_files_that_are_missing_unreadable_or_half_a_pair_are_refused()
    {
        var notPem = _dir.File("ca.pem");
        File.WriteAllText(notPem, "not a certificate");
        var problems = Problems(External(e =>
        {
            e.Host = "192.168.1.20";
            e.Tls.CaFile = notPem;
            e.Tls.ClientCertificateFile = _dir.File("client.pem");
        }));
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:Tls:ClientCertificateFile", StringComparison.Ordinal) && p.Contains("does not exist", StringComparison.Ordinal));

        var (certificate, _) = TestCertificates.CreateAuthority("x").IssueClient("gw").WritePem(_dir.Path, "client");
        problems = Problems(External(e =>
        {
            e.Host = "192.168.1.20";
            e.Tls.CaFile = notPem;
            e.Tls.ClientCertificateFile = certificate;
        }));
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:Tls:CaFile", StringComparison.Ordinal) && p.Contains("PEM", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("go together (mutual TLS)", StringComparison.Ordinal));
    }

    [Fact]
    public void Keep_alive_session_expiry_and_client_id_are_bounded()
    {
        var problems = Problems(External(e =>
        {
            e.KeepAliveSeconds = 1;
            e.SessionExpirySeconds = 0;
            e.ClientId = "has space";
        }));
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:KeepAliveSeconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:SessionExpirySeconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Gateway:Mqtt:External:ClientId 'has space'", StringComparison.Ordinal));
    }

    [Fact]
    public void Embedded_broker_without_any_listener_or_with_a_tls_port_and_no_certificate_is_refused()
    {
        var options = new GatewayOptions { HomeFile = "home.yaml", DataDirectory = _dir.Path };
        options.Mqtt.PlainListener = false;
        Assert.Contains("would listen nowhere", Assert.Single(Problems(options)), StringComparison.Ordinal);

        options.Mqtt.Tls.Port = 8883;
        Assert.Contains("there is no certificate", Assert.Single(Problems(options)), StringComparison.Ordinal);

        options.Mqtt.PlainListener = true;
        options.Mqtt.Tls.Port = 1883;
        options.Mqtt.Tls.PfxFile = _dir.File("missing.pfx");
        var problems = Problems(options);
        Assert.Contains(problems, p => p.Contains("is also the plain Gateway:Mqtt:Port", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("missing.pfx does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Embedded_tls_certificate_that_does_not_match_its_key_is_refused_at_start()
    {
        var ca = TestCertificates.CreateAuthority("x");
        var (certificate, _) = ca.IssueServer().WritePem(_dir.Path, "one");
        var (_, otherKey) = ca.IssueServer().WritePem(_dir.Path, "two");
        var options = new GatewayOptions { HomeFile = "home.yaml", DataDirectory = _dir.Path };
        options.Mqtt.Tls = new MqttListenerTlsOptions { Port = 8883, CertificateFile = certificate, KeyFile = otherKey };
        var problem = Assert.Single(Problems(options));
        Assert.StartsWith("Gateway:Mqtt:Tls: ", problem, StringComparison.Ordinal);
        Assert.Contains("one.pem", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_of_the_mode_not_chosen_are_not_checked()
    {
        var options = External();
        options.Mqtt.ListenAddress = "everywhere";
        options.Mqtt.PlainListener = false;
        Assert.Empty(Problems(options));
    }
}

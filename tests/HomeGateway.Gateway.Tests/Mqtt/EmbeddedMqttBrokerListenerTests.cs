using System.Security.Cryptography.X509Certificates;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Tests.Mqtt;

// The embedded broker's doors: the connection limit holds (and frees up), and the TLS listener lets in exactly the
// device users the plain one does — over TLS, from a certificate in PEM files or a PFX with a password file.
public sealed class EmbeddedMqttBrokerListenerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task MaxConnections_refuses_one_more_client_with_QuotaExceeded_and_a_slot_frees_when_one_leaves()
    {
        await using var f = await BrokerFixture.StartAsync(); // MaxConnections = 8
        var password = f.Credentials.AddUser("zigbee2mqtt", BrokerFixture.Everything);
        var clients = new List<IMqttClient>();
        for (var i = 0; i < 8; i++)
        {
            var (client, result) = await f.ConnectAsync("zigbee2mqtt", password);
            Assert.Equal(MqttClientConnectResultCode.Success, result);
            clients.Add(client);
        }

        await WaitUntilAsync(() => f.Broker.ConnectionCount == 8, "8 connections counted");
        var (refused, ninth) = await f.ConnectAsync("zigbee2mqtt", password);
        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, ninth);
        Assert.False(refused.IsConnected);
        Assert.Contains(f.Logs.WithEventId(2110), e => e.Message.Contains("connection limit reached (8)", StringComparison.Ordinal));

        await clients[3].DisconnectAsync();
        await WaitUntilAsync(() => f.Broker.ConnectionCount == 7, "the slot to free");
        var (_, again) = await f.ConnectAsync("zigbee2mqtt", password);
        Assert.Equal(MqttClientConnectResultCode.Success, again);
    }

    [Fact]
    public async Task Tls_listener_with_pem_files_lets_a_device_user_in_over_tls_and_refuses_a_wrong_password()
    {
        var ca = TestCertificates.CreateAuthority("Gateway test CA");
        var (certificate, key) = ca.IssueServer().WritePem(_dir.Path, "gateway-broker");
        await using var f = await BrokerFixture.StartAsync(mqtt =>
        {
            mqtt.Tls = new MqttListenerTlsOptions { Port = 0, CertificateFile = certificate, KeyFile = key };
        });
        Assert.NotEqual(0, f.Broker.TlsPort);
        Assert.NotEqual(0, f.Broker.Port);
        var password = f.Credentials.AddUser("zigbee2mqtt", BrokerFixture.Everything);

        var (client, result) = await ConnectTlsAsync(f.Broker.TlsPort, ca, "zigbee2mqtt", password);
        Assert.Equal(MqttClientConnectResultCode.Success, result);
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/front_door").WithPayload("""{"contact":false}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var open = await f.Sink.NextAsync();
        Assert.Equal(("front_door", SensorKind.Door, "open"), (open.SensorId, open.Kind, open.State));

        var (wrongClient, wrong) = await ConnectTlsAsync(f.Broker.TlsPort, ca, "zigbee2mqtt", password + "x");
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong);
        var (anonymousClient, anonymous) = await ConnectTlsAsync(f.Broker.TlsPort, ca, null, null);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous);
        foreach (var c in new[] { client, wrongClient, anonymousClient })
        {
            c.Dispose();
        }

        Assert.Contains(f.Logs.WithEventId(2103), e => e.Message.Contains($":{f.Broker.TlsPort}", StringComparison.Ordinal));
        Assert.True(f.Services.GetRequiredService<MqttLinkHealth>().Current.IsConnected);
    }

    [Fact]
    public async Task Tls_only_broker_from_a_pfx_with_a_password_file_has_no_plain_listener()
    {
        var ca = TestCertificates.CreateAuthority("Gateway test CA");
        var pfx = ca.IssueServer().WritePfx(_dir.Path, "gateway-broker", "pfx-secret");
        var passwordFile = _dir.File("pfx-password");
        await File.WriteAllTextAsync(passwordFile, "pfx-secret\n");
        await using var f = await BrokerFixture.StartAsync(mqtt =>
        {
            mqtt.PlainListener = false;
            mqtt.Tls = new MqttListenerTlsOptions { Port = 0, PfxFile = pfx, PfxPasswordFile = passwordFile };
        });
        Assert.Equal(0, f.Broker.Port);
        Assert.Single(f.Logs.WithEventId(2104));
        Assert.Empty(f.Logs.WithEventId(2100));

        var password = f.Credentials.AddUser("zigbee2mqtt", BrokerFixture.Everything);
        var (client, result) = await ConnectTlsAsync(f.Broker.TlsPort, ca, "zigbee2mqtt", password);
        Assert.Equal(MqttClientConnectResultCode.Success, result);
        client.Dispose();
    }

    private static async Task<(IMqttClient Client, MqttClientConnectResultCode Result)> ConnectTlsAsync(int port, TestCertificates ca, string? user, string? password)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithTlsOptions(tls => tls.UseTls(true).WithTargetHost("localhost").WithCertificateValidationHandler(args =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build((X509Certificate2)args.Certificate);
            }));
        if (user is not null)
        {
            builder = builder.WithCredentials(user, password);
        }

        var result = await client.ConnectAsync(builder.Build());
        return (client, result.ResultCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("never happened: " + what);
            }

            await Task.Delay(20);
        }
    }
}

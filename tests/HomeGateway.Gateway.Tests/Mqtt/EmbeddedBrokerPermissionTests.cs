using System.CommandLine;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the invariant that a login publishes and reads only what its permissions allow: a device cannot speak for
// another device (raise a fall on a radar's topic, clear a smoke alarm), cannot read what it was not given, cannot
// take over another login's connection, and every event from the broker names the login that published it.
public sealed class EmbeddedBrokerPermissionTests : IAsyncLifetime
{
    private BrokerFixture _f = null!;

    public async Task InitializeAsync() => _f = await BrokerFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private async Task<IMqttClient> LoginAsync(string user, MqttPermissions permissions, MqttProtocolVersion version = MqttProtocolVersion.V500, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _f.Broker.Port).WithProtocolVersion(version)
            .WithCredentials(user, _f.Credentials.AddUser(user, permissions)).WithClientId(clientId ?? user + "-" + Guid.NewGuid().ToString("N")[..6]).Build();
        Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options)).ResultCode);
        return client;
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [Fact]
    public async Task An_esphome_login_cannot_raise_a_fall_on_a_zigbee_radars_topic()
    {
        var esphome = await LoginAsync("hall-esp", MqttRoles.Of(MqttRoles.Device));
        var z2m = await LoginAsync("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));

        var forged = await PublishAsync(esphome, "zigbee2mqtt/hall_radar", """{"fall_status":"fall_alarm"}""");
        await PublishAsync(z2m, "zigbee2mqtt/front_door", """{"contact":false}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        var e = await _f.Sink.NextAsync();
        Assert.Equal("front_door", e.SensorId); // the forged fall never reached the pipeline
        Assert.Equal("login:zigbee2mqtt", e.Publisher);
        Assert.Equal("login:zigbee2mqtt", _f.Stats.Snapshot("front_door")!.LastPublisher);
        Assert.Equal(0, _f.Stats.AcceptedMessages("hall_radar"));
        Assert.Contains(_f.Logs.WithEventId(2174), l => l.Message.Contains("'hall-esp'", StringComparison.Ordinal)
            && l.Message.Contains("zigbee2mqtt/hall_radar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_MQTT_3_1_1_a_denied_publish_is_acknowledged_and_dropped_and_the_client_stays()
    {
        var esphome = await LoginAsync("hall-esp", MqttRoles.Of(MqttRoles.Device), MqttProtocolVersion.V311);
        var z2m = await LoginAsync("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt), MqttProtocolVersion.V311);

        await PublishAsync(esphome, "zigbee2mqtt/hall_radar", """{"fall_status":"fall_alarm"}""");
        await PublishAsync(z2m, "zigbee2mqtt/front_door", """{"contact":false}""");

        Assert.Equal("front_door", (await _f.Sink.NextAsync()).SensorId);
        Assert.True(esphome.IsConnected);
        Assert.False(_f.Sink.TryTake(out _));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task A_device_login_cannot_subscribe_to_everything_or_to_the_gateways_alerts(MqttProtocolVersion version)
    {
        var z2m = await LoginAsync("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt), version);

        var result = await z2m.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("#").WithTopicFilter(AlertTopics.For(BrokerFixture.HomeId)).WithTopicFilter("zigbee2mqtt/+").Build());

        var codes = result.Items.Select(i => i.ResultCode).ToList();
        var refused = version == MqttProtocolVersion.V500 ? MqttClientSubscribeResultCode.NotAuthorized : MqttClientSubscribeResultCode.UnspecifiedError;
        Assert.Equal([refused, refused, MqttClientSubscribeResultCode.GrantedQoS0], codes);
        Assert.Contains(_f.Logs.WithEventId(2175), l => l.Message.Contains("'#'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reader_login_reads_the_gateways_alerts_and_cannot_publish()
    {
        var reader = await LoginAsync("homeassistant", MqttRoles.Of(MqttRoles.Reader));
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.ApplicationMessageReceivedAsync += args =>
        {
            received.TrySetResult(args.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        var granted = await reader.SubscribeAsync("#");
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, granted.Items.Single().ResultCode);

        var refused = await PublishAsync(reader, "zigbee2mqtt/front_door", """{"contact":false}""");
        await _f.Broker.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(AlertTopics.For(BrokerFixture.HomeId)).WithPayload("{}").Build(), CancellationToken.None);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Equal(AlertTopics.For(BrokerFixture.HomeId), await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Another_login_cannot_take_over_a_client_id_and_the_same_login_can()
    {
        var z2m = await LoginAsync("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt), clientId: "z2m");
        var intruderPassword = _f.Credentials.AddUser("hall-esp", MqttRoles.Of(MqttRoles.Device));

        using var intruder = new MqttClientFactory().CreateMqttClient();
        var refused = await intruder.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _f.Broker.Port)
            .WithCredentials("hall-esp", intruderPassword).WithClientId("z2m").Build());
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, refused.ResultCode);
        await Task.Delay(200);
        Assert.True(z2m.IsConnected);
        Assert.Contains(_f.Logs.WithEventId(2110), l => l.Message.Contains("another login", StringComparison.Ordinal));

        // The same login reconnecting with its own id (after a network blip) takes its session over, as MQTT says.
        using var again = new MqttClientFactory().CreateMqttClient();
        var password = _f.Credentials.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));
        var taken = await again.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _f.Broker.Port)
            .WithCredentials("zigbee2mqtt", password).WithClientId("z2m").Build());
        Assert.Equal(MqttClientConnectResultCode.Success, taken.ResultCode);
        await again.DisconnectAsync();
    }

    [Fact]
    public async Task A_device_login_publishes_on_its_own_topics_with_percent_u()
    {
        await using var f = await BrokerFixture.StartAsync();
        var esp = await f.DeviceAsync("esp");
        await esp.DisconnectAsync();

        // The fixture's home has no ESPHome sensor; a device role's own topics are accepted (unknown topic), others refused.
        var device = await LoginAsync("hall-esp", MqttRoles.Of(MqttRoles.Device));
        var own = await PublishAsync(device, "hall-esp/binary_sensor/fall/state", "ON");
        var tele = await PublishAsync(device, "tele/hall-esp/SENSOR", "{}");
        var other = await PublishAsync(device, "kitchen-esp/binary_sensor/fall/state", "ON");

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, own.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, tele.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, other.ReasonCode);
    }

    [Fact]
    public async Task A_login_stored_before_permissions_existed_gets_a_safe_role_and_a_warning()
    {
        // A line as an older gateway wrote it: no permissions after the hash.
        var password = _f.Credentials.AddUser("dispenser", BrokerFixture.Everything);
        var line = File.ReadAllLines(_f.Credentials.Path).Single(l => l.StartsWith("dispenser:", StringComparison.Ordinal));
        File.WriteAllText(_f.Credentials.Path, line.Split('\t')[0] + "\n");

        using var client = new MqttClientFactory().CreateMqttClient();
        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _f.Broker.Port)
            .WithCredentials("dispenser", password).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);

        var sensor = await PublishAsync(client, $"homegateway/{BrokerFixture.HomeId}/dispenser", """{"event":"dose_taken"}""");
        var elsewhere = await PublishAsync(client, "somewhere/else", "x");
        var everything = await client.SubscribeAsync("#");

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, sensor.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, elsewhere.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, everything.Items.Single().ResultCode);
        Assert.Equal("dispenser", (await _f.Sink.NextAsync()).SensorId);
        Assert.Contains(_f.Logs.WithEventId(2171), l => l.Message.Contains("'dispenser'", StringComparison.Ordinal)
            && l.Message.Contains("mqtt users set dispenser", StringComparison.Ordinal));
        Assert.True(_f.Credentials.PermissionsOf("dispenser")!.Legacy);
        Assert.Equal(MqttRoles.Sensors, _f.Credentials.PermissionsOf("dispenser")!.Role);
    }
}

// The CLI that gives logins their permissions, and the file that keeps them.
public sealed class MqttUsersCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hg-users-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand { MqttCommands.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = root.Parse(["mqtt", "users", .. args, "--data", _dir]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Add_takes_a_role_and_extra_patterns_and_show_and_list_print_them()
    {
        var (exit, password, _) = Run("add", "dispenser", "--role", "device", "--allow-publish", "homegateway/kotka-0042/dispenser/#", "--allow-subscribe", "homegateway/kotka-0042/alerts");
        Assert.Equal(0, exit);
        Assert.Equal(43, password.Trim().Length);

        var show = Run("show", "dispenser");
        Assert.Equal(0, show.Exit);
        Assert.Equal(
            ["login dispenser", "role device", "topic readwrite %u/#", "topic write tele/%u/#", "topic write stat/%u/#", "topic read cmnd/%u/#",
             "topic write homegateway/kotka-0042/dispenser/#", "topic read homegateway/kotka-0042/alerts"],
            show.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(0, Run("add", "zigbee2mqtt", "--base-topic", "z2m").Exit); // the role named like the login
        var list = Run("list");
        Assert.Contains("zigbee2mqtt: zigbee2mqtt: readwrite z2m/#, readwrite homeassistant/#", list.Out, StringComparison.Ordinal);

        var store = new MqttCredentialStore(Path.Combine(_dir, "mqtt-users"));
        Assert.True(store.Verify("dispenser", password.Trim()));
        Assert.True(store.PermissionsOf("dispenser")!.MayPublish("homegateway/kotka-0042/dispenser/state", "dispenser", "d1", []));
        Assert.False(store.PermissionsOf("dispenser")!.MayPublish("homegateway/kotka-0042/alerts", "dispenser", "d1", []));
    }

    [Fact]
    public void Set_changes_permissions_and_keeps_the_password()
    {
        var password = Run("add", "ha", "--role", "reader").Out.Trim();
        Assert.Equal(0, Run("set", "ha", "--role", "homeassistant").Exit);
        var store = new MqttCredentialStore(Path.Combine(_dir, "mqtt-users"));
        Assert.True(store.Verify("ha", password));
        Assert.Equal(MqttRoles.HomeAssistant, store.PermissionsOf("ha")!.Role);
        Assert.Equal(1, Run("set", "nobody", "--role", "reader").Exit);
    }

    [Theory]
    [InlineData("add", "esp")] // no role and no pattern: the command says what to choose
    [InlineData("add", "esp", "--allow-publish", "a/#/b")]
    [InlineData("add", "esp", "--allow-publish", "a/b+")]
    [InlineData("add", "esp", "--role", "admin")]
    [InlineData("add", "esp", "--role", "device", "--base-topic", "z2m")]
    public void Unclear_or_invalid_permissions_are_refused_and_nothing_is_saved(params string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.NotEqual("", error.Trim());
        Assert.False(File.Exists(Path.Combine(_dir, "mqtt-users")));
    }

    [Fact]
    public void Stored_permissions_survive_a_reload_and_an_unreadable_permission_refuses_the_line()
    {
        var path = Path.Combine(_dir, "mqtt-users");
        Directory.CreateDirectory(_dir);
        var store = new MqttCredentialStore(path);
        var password = store.AddUser("esp", MqttRoles.Of(MqttRoles.Device, [new MqttTopicRule(MqttAccess.Read, "alerts/+")]));
        Assert.Equal(store.PermissionsOf("esp")!.Rules, new MqttCredentialStore(path).PermissionsOf("esp")!.Rules);

        // A hand edit that breaks a rule must not turn into "no rules" or "legacy": the login stops working, and the broker says why (2140).
        File.WriteAllText(path, File.ReadAllText(path).Replace("\tread alerts/+", "\tread alerts/#/x", StringComparison.Ordinal));
        var reloaded = new MqttCredentialStore(path);
        Assert.False(reloaded.Verify("esp", password));
        Assert.Equal([1], reloaded.InvalidLines);
    }
}

// Topic patterns are compared as sets: a subscription is allowed only when everything it could match is allowed.
public sealed class MqttTopicPatternTests
{
    [Theory]
    [InlineData("zigbee2mqtt/#", "zigbee2mqtt/front_door", true)]
    [InlineData("zigbee2mqtt/#", "zigbee2mqtt", true)]
    [InlineData("zigbee2mqtt/#", "zigbee2mqtt/+/availability", true)]
    [InlineData("zigbee2mqtt/#", "zigbee2mqtt/#", true)]
    [InlineData("zigbee2mqtt/#", "#", false)]
    [InlineData("zigbee2mqtt/#", "+/front_door", false)]
    [InlineData("zigbee2mqtt/#", "zigbee2mqtt2/x", false)]
    [InlineData("tele/+/SENSOR", "tele/plug/SENSOR", true)]
    [InlineData("tele/+/SENSOR", "tele/+/SENSOR", true)]
    [InlineData("tele/+/SENSOR", "tele/#", false)]
    [InlineData("tele/+/SENSOR", "tele/plug/SENSOR/x", false)]
    [InlineData("#", "anything/at/all", true)]
    [InlineData("#", "$SYS/broker", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "a/b/", false)]
    public void Covers(string pattern, string filter, bool covered) => Assert.Equal(covered, MqttTopicPattern.Covers(pattern, filter));

    [Fact]
    public void Percent_u_and_c_stand_for_the_login_and_the_client_and_cannot_be_widened()
    {
        var rules = MqttRoles.Of(MqttRoles.Custom, [new MqttTopicRule(MqttAccess.Write, "devices/%u/%c/#")]);
        Assert.True(rules.MayPublish("devices/esp/node1/state", "esp", "node1", []));
        Assert.False(rules.MayPublish("devices/esp/node2/state", "esp", "node1", []));
        Assert.False(rules.MayPublish("devices/esp/a/b/state", "esp", "a/b", []));
        Assert.False(rules.MayPublish("devices/esp/x/state", "esp", "#", []));
        Assert.False(rules.MaySubscribe("devices/esp/node1/state", "esp", "node1", []));
    }
}

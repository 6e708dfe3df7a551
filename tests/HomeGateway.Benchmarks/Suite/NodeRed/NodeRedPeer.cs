using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// Node-RED as people run it on a Pi beside mosquitto: installed from the npm registry into artifacts/bench/node-red (git
/// ignored) by the bench itself, started with <c>node red.js</c> and a userDir of the bench's own: a settings file with the
/// editor and admin API off (<c>httpAdminRoot: false</c>, HTTP bound to 127.0.0.1), the flow in flows.json and the broker
/// login in a plain flows_cred.json (<c>credentialSecret: false</c>), so nothing prompts and nothing is decrypted at start.
/// </summary>
public sealed class NodeRedPeer
{
    /// <summary>The major version compared against: node-red@4 runs on Node.js 18 and later (5 needs 22).</summary>
    public const string DefaultVersion = "4";

    private NodeRedPeer(string redJs, string version, string nodeVersion)
    {
        RedJs = redJs;
        Version = version;
        NodeVersion = nodeVersion;
    }

    public string RedJs { get; }

    public string Version { get; }

    public string NodeVersion { get; }

    /// <summary>
    /// Installs <c>node-red@<paramref name="versionSpec"/></c> with npm unless a matching version is already there
    /// (an exact version, or a major whose installed version starts with it).
    /// </summary>
    public static async Task<NodeRedPeer> InstallAsync(BenchContext context, string versionSpec, CancellationToken cancellationToken)
    {
        var prefix = Path.Combine(context.OutputDirectory, "node-red");
        var package = Path.Combine(prefix, "node_modules", "node-red", "package.json");
        var installed = InstalledVersion(package);
        if (installed is null || !(installed == versionSpec || installed.StartsWith(versionSpec + ".", StringComparison.Ordinal)))
        {
            context.Say($"installing node-red@{versionSpec} from the npm registry into {Path.GetRelativePath(context.RepositoryRoot, prefix)}");
            Directory.CreateDirectory(prefix);
            var (exit, _, error) = await ChildProcess.RunAsync("npm",
                ["install", "--no-audit", "--no-fund", "--prefix", prefix, "node-red@" + versionSpec], cancellationToken).ConfigureAwait(false);
            installed = InstalledVersion(package);
            if (exit != 0 || installed is null)
            {
                throw new InvalidOperationException($"npm install node-red@{versionSpec} failed ({exit}): {error.Trim()}");
            }
        }

        var (nodeExit, nodeVersion, _) = await ChildProcess.RunAsync("node", ["--version"], cancellationToken).ConfigureAwait(false);
        if (nodeExit != 0)
        {
            throw new InvalidOperationException("node --version failed: Node.js is needed (tests/install-test-deps --bench installs it)");
        }

        return new NodeRedPeer(Path.Combine(prefix, "node_modules", "node-red", "red.js"), installed, nodeVersion.Trim().TrimStart('v'));
    }

    /// <summary>Writes the userDir: settings, the flow of <paramref name="plan"/> and the broker login.</summary>
    public static void WriteUserDir(string userDir, DoorPlan plan, int brokerPort, string user, string password, int httpPort)
    {
        Directory.CreateDirectory(userDir);
        File.WriteAllText(Path.Combine(userDir, "settings.js"), $$"""
            // The bench's Node-RED: the flow runs, nothing else. No editor or admin API (httpAdminRoot: false), no HTTP
            // nodes (httpNodeRoot: false), the HTTP server on loopback only, no update check, no diagnostics page, the
            // broker login in plain flows_cred.json (credentialSecret: false: nothing to prompt for or decrypt).
            module.exports = {
                flowFile: 'flows.json',
                credentialSecret: false,
                uiHost: '127.0.0.1',
                uiPort: {{httpPort}},
                httpAdminRoot: false,
                httpNodeRoot: false,
                diagnostics: { enabled: false, ui: false },
                runtimeState: { enabled: false, ui: false },
                telemetry: { enabled: false },
                externalModules: { autoInstall: false, palette: { allowInstall: false } },
                editorTheme: { projects: { enabled: false } },
                logging: { console: { level: 'info', metrics: false, audit: false } },
            };
            """);
        File.WriteAllText(Path.Combine(userDir, "flows.json"), Flow(plan, brokerPort).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(userDir, "flows_cred.json"), new JsonObject
        {
            ["broker"] = new JsonObject { ["user"] = user, ["password"] = password },
        }.ToJsonString());
    }

    public ChildProcess Start(string userDir, string logFile) =>
        ChildProcess.Start("node-red", "node", [RedJs, "--userDir", userDir, "--settings", Path.Combine(userDir, "settings.js")], logFile);

    private static string? InstalledVersion(string packageJson) =>
        File.Exists(packageJson) ? JsonNode.Parse(File.ReadAllText(packageJson))?["version"]?.GetValue<string>() : null;

    /// <summary>
    /// mqtt in (every zigbee2mqtt/+ topic, QoS 1, parsed JSON) → one function node with the door-left-open and night-exit
    /// rules, its timers in the node's context → mqtt out (the alert topic, QoS 1). A function rather than trigger nodes
    /// because the night exit needs the door and the motion sensor together; one node per flow is what a careful
    /// Node-RED user would write for the same care plan.
    /// </summary>
    private static JsonArray Flow(DoorPlan plan, int brokerPort)
    {
        var config = new JsonObject
        {
            ["prefix"] = DoorPlan.TopicPrefix,
            ["homeId"] = plan.HomeId,
            ["doors"] = new JsonObject(plan.AllDoors.Select(d => KeyValuePair.Create(d, (JsonNode?)true))),
            ["entrance"] = DoorPlan.Entrance,
            ["presence"] = new JsonObject { [DoorPlan.Motion] = true },
            ["limitMs"] = plan.Limit.TotalMilliseconds,
            ["repeatMs"] = plan.RepeatEvery.TotalMilliseconds,
            ["graceMs"] = plan.Limit.TotalMilliseconds,
            ["nightFrom"] = plan.NightFromMinute,
            ["nightTo"] = plan.NightToMinute,
        };
        var function = FunctionBody.Replace("/*CONFIG*/", config.ToJsonString(), StringComparison.Ordinal);
        return
        [
            new JsonObject { ["id"] = "home", ["type"] = "tab", ["label"] = "home " + plan.HomeId, ["disabled"] = false },
            new JsonObject
            {
                ["id"] = "broker", ["type"] = "mqtt-broker", ["name"] = "mosquitto", ["broker"] = "127.0.0.1",
                ["port"] = brokerPort.ToString(CultureInfo.InvariantCulture), ["clientid"] = "nodered-" + plan.HomeId,
                ["autoConnect"] = true, ["usetls"] = false, ["protocolVersion"] = "4", ["keepalive"] = "30", ["cleansession"] = true,
                ["birthTopic"] = "", ["closeTopic"] = "", ["willTopic"] = "",
            },
            new JsonObject
            {
                ["id"] = "sensors", ["type"] = "mqtt in", ["z"] = "home", ["name"] = "zigbee2mqtt", ["topic"] = DoorPlan.TopicPrefix + "+",
                ["qos"] = "1", ["datatype"] = "json", ["broker"] = "broker", ["nl"] = false, ["rap"] = true, ["rh"] = 0, ["inputs"] = 0,
                ["x"] = 120, ["y"] = 80, ["wires"] = new JsonArray(new JsonArray("rules")),
            },
            new JsonObject
            {
                ["id"] = "rules", ["type"] = "function", ["z"] = "home", ["name"] = "door left open + night exit", ["func"] = function,
                ["outputs"] = 1, ["timeout"] = 0, ["noerr"] = 0, ["initialize"] = "", ["finalize"] = "", ["libs"] = new JsonArray(),
                ["x"] = 340, ["y"] = 80, ["wires"] = new JsonArray(new JsonArray("alerts")),
            },
            new JsonObject
            {
                ["id"] = "alerts", ["type"] = "mqtt out", ["z"] = "home", ["name"] = "alerts", ["topic"] = plan.NodeRedAlertTopic,
                ["qos"] = "1", ["retain"] = "false", ["broker"] = "broker", ["x"] = 560, ["y"] = 80, ["wires"] = new JsonArray(),
            },
        ];
    }

    // The same meaning as the gateway's DoorLeftOpenRule and NightExitRule (Core/Rules), written as a Node-RED user would:
    // a door open longer than the limit raises, repeats every repeatMs while open, clears on close; the entrance opened
    // inside the night window raises after the grace unless the door closed and then the motion sensor saw someone.
    private const string FunctionBody = """
        const cfg = /*CONFIG*/;
        const p = msg.payload;
        if (p === null || typeof p !== 'object') { return null; }
        const name = msg.topic.substring(cfg.prefix.length);
        let doors = context.get('doors');
        if (!doors) { doors = {}; context.set('doors', doors); }
        const alert = (type, kind, sensorId, count, summary) => node.send({ payload: {
            type: type, kind: kind, homeId: cfg.homeId, sensorId: sensorId, count: count, at: new Date().toISOString(), summary: summary } });
        const fireOpen = (id) => {
            const d = doors[id];
            if (!d) { return; }
            d.count += 1;
            alert('door_left_open', d.count === 1 ? 'raised' : 'repeated', id, d.count, 'Door ' + id + ' has been open too long');
            d.timer = setTimeout(() => fireOpen(id), cfg.repeatMs);
        };
        const fireExit = () => {
            const e = context.get('exit');
            if (!e || e.alerted) { return; }
            e.alerted = true;
            alert('night_exit', 'raised', cfg.entrance, 1, 'Door ' + cfg.entrance + ' opened at night and the client is not back');
        };
        const isNight = (ms) => {
            const d = new Date(ms);
            const m = d.getUTCHours() * 60 + d.getUTCMinutes();
            return cfg.nightFrom <= cfg.nightTo ? (m >= cfg.nightFrom && m < cfg.nightTo) : (m >= cfg.nightFrom || m < cfg.nightTo);
        };
        if (cfg.doors[name] && typeof p.contact === 'boolean') {
            const exit = context.get('exit');
            if (p.contact === false) {
                if (!doors[name]) { doors[name] = { count: 0, timer: setTimeout(() => fireOpen(name), cfg.limitMs) }; }
                if (name === cfg.entrance) {
                    if (exit) { exit.closed = false; }
                    else if (isNight(Date.now())) { context.set('exit', { closed: false, alerted: false, timer: setTimeout(fireExit, cfg.graceMs) }); }
                }
            } else {
                const d = doors[name];
                if (d) {
                    clearTimeout(d.timer);
                    delete doors[name];
                    if (d.count > 0) { alert('door_left_open', 'cleared', name, d.count, 'Door ' + name + ' closed'); }
                }
                if (name === cfg.entrance && exit) { exit.closed = true; }
            }
        } else if (cfg.presence[name] && (p.occupancy === true || p.presence === true)) {
            const exit = context.get('exit');
            if (exit && exit.closed) {
                clearTimeout(exit.timer);
                context.set('exit', null);
                if (exit.alerted) { alert('night_exit', 'cleared', cfg.entrance, 1, 'Client back in'); }
            }
        }
        return null;
        """;
}

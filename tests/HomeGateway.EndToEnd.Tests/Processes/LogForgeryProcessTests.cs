using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.EndToEnd.Tests.Durability;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Guards: a peer cannot write lines into the product's logs. A stranger types a user name with a newline, a forged log
/// line, an ANSI escape and a NUL at the console's login, and a device connects to the gateway's broker with the same text as
/// its client id; both processes log the refusal, and their real output (what journald would store) keeps each event on
/// one line with the peer's control characters shown as escapes.
/// </summary>
public partial class LogForgeryProcessTests
{
    private const string Forged = "warn: HomeGateway.Forged[4000]";
    private const string Hostile = "nobody\n" + Forged + "\r\n\u001b[2J\u001b[31mred\u0000end\u202e";

    // A form value with a NUL is refused before anything reads it (ASP.NET Core's form reader), so the login leg goes without.
    private static readonly string HostileName = Hostile.Replace("\u0000", "", StringComparison.Ordinal);

    [Fact]
    public async Task Control_characters_a_peer_sends_are_escaped_in_the_gateways_and_dispatchs_log_lines()
    {
        var work = Built.NewWorkDirectory("log-forgery");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, homeYaml: null, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);

            // The console's login form, as a browser posts it.
            using var web = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
            {
                BaseAddress = deployment.WebUrl,
            };
            var login = await web.GetStringAsync(new Uri("login", UriKind.Relative), ct);
            var field = AntiforgeryField().Match(login);
            Assert.True(field.Success, "the login page carries an antiforgery token");
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                [field.Groups[1].Value] = WebUtility.HtmlDecode(field.Groups[2].Value),
                ["name"] = HostileName,
                ["password"] = "not-the-password",
            });
            using var refused = await web.PostAsync(new Uri("login", UriKind.Relative), form, ct);
            Assert.True(HttpStatusCode.Unauthorized == refused.StatusCode, await refused.Content.ReadAsStringAsync(ct));

            // A device with a hostile client id and a wrong password.
            await using (var device = new RawMqttPublisher(new PressLedger(), Hostile, "nobody", "wrong"))
            {
                await Assert.ThrowsAsync<IOException>(() => device.ConnectAsync(deployment.MqttPort, ct));
            }

            var dispatchLog = await LineWithAsync(Path.Combine(work, "dispatch.log"), "HomeGateway.Forged", ct);
            var gatewayLog = await LineWithAsync(Path.Combine(work, "gateway.log"), "HomeGateway.Forged", ct);
            foreach (var (name, text, sent) in new[] { ("dispatch", dispatchLog, HostileName), ("gateway", gatewayLog, Hostile) })
            {
                // The forged "line" is part of the peer's value on the real line, shown escaped.
                var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
                var carrying = lines.Where(l => l.Contains("HomeGateway.Forged", StringComparison.Ordinal)).ToList();
                Assert.NotEmpty(carrying);
                Assert.All(carrying, l => Assert.Contains(Shown(sent), l, StringComparison.Ordinal));
                Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith(Forged, StringComparison.Ordinal));
                Assert.False(text.Contains('\u001b', StringComparison.Ordinal), $"{name}'s log holds a raw ANSI escape");
                Assert.False(text.Contains('\0', StringComparison.Ordinal), $"{name}'s log holds a raw NUL");
                Assert.False(text.Contains('\u202e', StringComparison.Ordinal), $"{name}'s log holds a raw right-to-left override");
            }
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }

    /// <summary>How the peer's text reads in a log line: its control characters as visible escapes.</summary>
    private static string Shown(string sent) => sent
        .Replace("\n", @"\n", StringComparison.Ordinal).Replace("\r", @"\r", StringComparison.Ordinal)
        .Replace("\u001b", @"\u001b", StringComparison.Ordinal).Replace("\u0000", @"\u0000", StringComparison.Ordinal)
        .Replace("\u202e", @"\u202e", StringComparison.Ordinal);

    /// <summary>The log's text once a line mentioning <paramref name="marker"/> is there (the processes write as they go).</summary>
    private static async Task<string> LineWithAsync(string path, string marker, CancellationToken ct)
    {
        var text = "";
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(30); waited += TimeSpan.FromMilliseconds(100))
        {
            text = File.Exists(path) ? await ReadSharedAsync(path, ct) : "";
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                return text;
            }

            await Task.Delay(100, ct);
        }

        Assert.Fail($"{Path.GetFileName(path)} never mentioned {marker}; it ends with:\n{text[Math.Max(0, text.Length - 3000)..]}");
        return text;
    }

    private static async Task<string> ReadSharedAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }

    [GeneratedRegex("name=\"(__antiforgery)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

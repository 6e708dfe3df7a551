using System.Net;
using HomeGateway.Dispatch.Tests.DispatcherConsole;

namespace HomeGateway.Dispatch.Tests.Web;

/// <summary>
/// Invariant: the alert queue's JSON (<c>/api/alerts</c>, an alert's detail, the live stream) is read by those who answer
/// alarms — dispatchers, admins and integration tokens — and by no other console role, whatever it types into the address
/// bar. The technician's fleet page still hears that something changed, from a stream that carries no alert.
/// </summary>
public sealed class AlertApiRoleTests : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreFallAtHomeAsync(server.Store);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData("technician")]
    [InlineData("care_manager")]
    public async Task A_role_that_does_not_answer_alarms_cannot_read_the_queue_or_an_alert_as_json(string role)
    {
        using var someone = await ConsoleSession.LogInAsync(server, "pat", await ConsoleSession.AddUserAsync(server, "pat", role));

        foreach (var path in new[] { "/api/alerts", "/api/alerts?status=all", "/api/alerts?group=outages", "/api/alerts/fall-1" })
        {
            var response = await someone.Web.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.DoesNotContain("fall-1", body, StringComparison.Ordinal);
            Assert.DoesNotContain("home-1", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_care_manager_gets_no_stream_and_the_dispatcher_gets_the_whole_queue()
    {
        using var carol = await ConsoleSession.LogInAsync(server, "carol", await ConsoleSession.AddUserAsync(server, "carol", "care_manager"));
        using var dora = await ConsoleSession.LogInAsync(server, "dora", await ConsoleSession.AddUserAsync(server, "dora", "dispatcher"));

        var stream = await carol.Web.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead);
        var queue = await dora.Web.GetAsync("/api/alerts");

        Assert.Equal(HttpStatusCode.Forbidden, stream.StatusCode);
        Assert.Equal(HttpStatusCode.OK, queue.StatusCode);
        Assert.Contains("fall-1", await queue.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_technicians_stream_says_that_something_changed_and_carries_no_alert()
    {
        using var tom = await ConsoleSession.LogInAsync(server, "tom", await ConsoleSession.AddUserAsync(server, "tom", "technician"));
        using var dora = await LifecycleSession.LogInAsync(server, "dora", "dispatcher");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await tom.Web.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(": connected", await reader.ReadLineAsync(timeout.Token));

        // A change every console hears: the dispatcher writes a note on the fall.
        var noted = await dora.PostFormAsync("/alerts/gw-1/fall-1/notes", ("text", "calling the daughter"));
        Assert.True(noted.IsSuccessStatusCode || noted.StatusCode == HttpStatusCode.Redirect, $"note: {noted.StatusCode}");

        var lines = new List<string>();
        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("data:", StringComparison.Ordinal))
        {
            lines.Add(line);
        }

        Assert.Contains("event: changed-elsewhere", lines);
        Assert.Equal("data: {}", line);
    }
}

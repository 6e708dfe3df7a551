using System.Net;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: password guessing is slowed where it comes from, and a stranger hammering a dispatcher's name cannot keep
/// that dispatcher out: the real user, from another place, logs in at once. Failed logins are audited, without flooding.
/// </summary>
public sealed class LoginThrottleTests : IAsyncLifetime
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Desk = IPAddress.Parse("127.0.0.3");
    private readonly FakeTimeProvider clock = new(Records.T0);
    private DispatchServer server = null!;
    private string password = "";

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(clock);
        password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_dispatcher_logs_in_from_her_desk_while_a_stranger_hammers_her_name_from_elsewhere()
    {
        using var attacker = ConsoleSession.From(server, Attacker);
        for (var attempt = 0; attempt < 25; attempt++)
        {
            var refused = await attacker.LogInAsync("anna", "guess-" + attempt);
            Assert.True(refused.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, refused.StatusCode.ToString());
            // The stranger's clock moves on a little between guesses, as a real one's would.
            clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        using var desk = ConsoleSession.From(server, Desk);
        var response = await desk.LogInAsync("anna", password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Guesses_from_one_place_wait_one_second_then_twice_as_long_each_time_and_then_the_right_password_works()
    {
        using var attacker = ConsoleSession.From(server, Attacker);
        for (var attempt = 0; attempt < LoginThrottle.FreePairFailures; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LogInAsync("anna", "guess-" + attempt)).StatusCode);
        }

        var waiting = await attacker.LogInAsync("anna", password);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), waiting.Headers.RetryAfter?.Delta);
        Assert.Contains("Wait 1 seconds", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LogInAsync("anna", "guess-again")).StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), (await attacker.LogInAsync("anna", password)).Headers.RetryAfter?.Delta);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.Redirect, (await attacker.LogInAsync("anna", password)).StatusCode);
    }

    [Fact]
    public async Task Failed_logins_are_audited_with_the_name_as_typed_and_the_source_once_a_minute_with_a_count()
    {
        using var attacker = ConsoleSession.From(server, Attacker);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LogInAsync("anna\u001b[2J", "x")).StatusCode);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await attacker.LogInAsync("anna\u001b[2J", "x");
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LogInAsync("anna\u001b[2J", "x")).StatusCode);

        var failed = (await server.Store.ListAuditAsync(null, null)).Where(a => a.Action == UserAudit.LoginFailed).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, a => Assert.DoesNotContain('\u001b', a.Actor));
        Assert.All(failed, a => Assert.StartsWith("anna", a.Actor, StringComparison.Ordinal));
        Assert.Contains(failed, a => a.Detail == "from 127.0.0.2: wrong name or password");
        Assert.Contains(failed, a => a.Detail.Contains("(4 failures since the last entry)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    public void A_source_is_an_IPv4_address_or_an_IPv6_addresss_64(string address, string source) =>
        Assert.Equal(source, LoginThrottle.SourceOf(IPAddress.Parse(address)));
}

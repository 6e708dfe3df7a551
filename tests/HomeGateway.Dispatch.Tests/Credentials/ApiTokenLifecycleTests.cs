using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Credentials;

public sealed class SqliteApiTokenLifecycleTests() : ApiTokenLifecycleTests(StoreProvider.Sqlite);

public sealed class PostgresApiTokenLifecycleTests() : ApiTokenLifecycleTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: an API token works only until it expires or is revoked — for new calls at once, and for the live streams it
/// already opened within seconds, even when the revocation comes from another process (the command line); rotating it
/// leaves only the new secret working; every change is audited.
/// </summary>
public abstract class ApiTokenLifecycleTests(StoreProvider provider) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(provider);

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_revoked_tokens_open_WatchAlerts_stream_ends_with_UNAUTHENTICATED_within_seconds()
    {
        var token = await CliSecretAsync("tokens", "create", "alarm-centre");
        using var cancel = new CancellationTokenSource(Patience * 2);
        using var watch = server.ApiClient(token).WatchAlerts(new WatchAlertsRequest(), cancellationToken: cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(AlertChange.ChangeOneofCase.SnapshotComplete, watch.ResponseStream.Current.ChangeCase);

        // Another process, as an operator would: this node learns of it from the store.
        Assert.Equal(0, await CliAsync(new StringWriter(), "tokens", "revoke", "alarm-centre"));
        var revokedAt = Stopwatch.StartNew();

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(cancel.Token))
            {
            }
        });
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        Assert.Contains("revoked", ended.Status.Detail, StringComparison.Ordinal);
        Assert.True(revokedAt.Elapsed < ApiTokenWatch.PollInterval * 4, $"the stream ended {revokedAt.Elapsed} after the revocation");

        var again = await Assert.ThrowsAsync<RpcException>(() => server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, again.StatusCode);
        Assert.Contains("The API token 'alarm-centre' was revoked", again.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_tokens_alert_stream_over_http_ends_within_seconds()
    {
        var token = await CliSecretAsync("tokens", "create", "wallboard");
        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var timeout = new CancellationTokenSource(Patience);
        var response = await web.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(": connected", await events.ReadLineAsync(timeout.Token));

        Assert.Equal(0, await CliAsync(new StringWriter(), "tokens", "revoke", "wallboard"));

        // The keep-alive comes every 15 s and re-checks too; the watch must end it well before that.
        using var soon = new CancellationTokenSource(ApiTokenWatch.PollInterval * 4);
        while (await events.ReadLineAsync(soon.Token) is not null)
        {
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task Rotating_leaves_only_the_new_secret_working_and_create_revoke_rotate_are_audited_and_listed()
    {
        var old = await CliSecretAsync("tokens", "create", "ops", "--expires-in", "30d");
        await server.ApiClient(old).ListAlertsAsync(new ListAlertsRequest());

        var rotated = await CliSecretAsync("tokens", "rotate", "ops");

        Assert.NotEqual(old, rotated);
        var refused = await Assert.ThrowsAsync<RpcException>(() => server.ApiClient(old).ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        await server.ApiClient(rotated).ListAlertsAsync(new ListAlertsRequest());
        Assert.Equal(0, await CliAsync(new StringWriter(), "tokens", "revoke", "ops"));
        Assert.Equal(1, await CliAsync(new StringWriter(), "tokens", "revoke", "ops"));

        var actions = (await server.Store.ListAuditAsync(null, null)).Select(a => a.Action).ToList();
        Assert.Equal([ApiTokenAudit.Created, ApiTokenAudit.Rotated, ApiTokenAudit.Revoked], actions.Where(a => a.StartsWith("api_token_", StringComparison.Ordinal)));
        var list = new StringWriter();
        Assert.Equal(0, await CliAsync(list, "tokens", "list"));
        Assert.Matches(@"(?m)^ops +revoked .*command line \(", list.ToString());
        Assert.DoesNotContain(rotated, list.ToString(), StringComparison.Ordinal);
        var record = (await server.Store.ListApiTokensAsync()).Single();
        Assert.NotNull(record.LastUsedAt);
        Assert.NotNull(record.RotatedAt);
    }

    [Theory]
    [InlineData("366")]
    [InlineData("0")]
    [InlineData("soon")]
    public async Task A_lifetime_beyond_the_maximum_or_not_a_number_is_refused(string expiresIn)
    {
        var stderr = new StringWriter();
        Assert.Equal(DispatchCommandLine.UsageError, await DispatchCommandLine.InvokeAsync(
            ["tokens", "create", "too-long", "--expires-in", expiresIn], server.Settings, new StringWriter(), stderr));
        Assert.Empty(await server.Store.ListApiTokensAsync());
    }

    private async Task<string> CliSecretAsync(params string[] args)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await CliAsync(stdout, args));
        return stdout.ToString().Trim();
    }

    private Task<int> CliAsync(StringWriter stdout, params string[] args) =>
        DispatchCommandLine.InvokeAsync(args, server.Settings, stdout, new StringWriter());
}

/// <summary>Invariant: a token is refused from the moment it expires, with a reason its operator can act on.</summary>
public sealed class ApiTokenExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(Records.T0);
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(clock);

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task An_expired_token_is_refused_with_UNAUTHENTICATED_saying_it_expired()
    {
        var token = Secrets.NewApiToken();
        Assert.True(await server.Store.AddApiTokenAsync("short-lived", Secrets.Hash(token), "test", Records.T0 + TimeSpan.FromHours(1)));
        await server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest());

        clock.Advance(TimeSpan.FromHours(1));

        var refused = await Assert.ThrowsAsync<RpcException>(() => server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("The API token 'short-lived' expired at", refused.Status.Detail, StringComparison.Ordinal);
        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var http = await web.GetAsync("/api/alerts");
        Assert.Equal(HttpStatusCode.Unauthorized, http.StatusCode);
        Assert.Contains("invalid_token", http.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_made_without_a_lifetime_expires_after_the_default()
    {
        var token = await server.AddApiTokenAsync("defaults");
        clock.Advance(ApiTokenLifetime.Default - TimeSpan.FromMinutes(1));
        await server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest());

        clock.Advance(TimeSpan.FromMinutes(1));

        var refused = await Assert.ThrowsAsync<RpcException>(() => server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }
}

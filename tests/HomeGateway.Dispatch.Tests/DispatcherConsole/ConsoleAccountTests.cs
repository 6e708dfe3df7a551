using System.Net;
using HomeGateway.Dispatch.DispatcherConsole;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>Invariant: a user changes their own password only by proving the current one; the change is audited and the old one stops working.</summary>
public sealed class ConsoleAccountTests : IAsyncLifetime
{
    private const string NewPassword = "kotihoito-yövuoro-2026";
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task The_new_password_works_the_old_one_does_not_and_the_audit_says_who()
    {
        var old = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");
        using var browser = await ConsoleSession.LogInAsync(server, "anna", old);
        await browser.PageAsync("/account");

        var response = await browser.PostAsync("/account", ("current", old), ("password", NewPassword), ("repeat", NewPassword));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Your password is changed.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var again = ConsoleSession.Anonymous(server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.LogInAsync("anna", old)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await again.LogInAsync("anna", NewPassword)).StatusCode);
        var audit = Assert.Single(await server.Store.ListAuditAsync(null, null), a => a.Action == ConsoleAccount.AuditAction);
        Assert.Equal("anna", audit.Actor);
        Assert.DoesNotContain(NewPassword, audit.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(old, audit.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-current-password", NewPassword, NewPassword, "The current password is wrong")]
    [InlineData(null, "short", "short", "at least 12 characters")]
    [InlineData(null, NewPassword, NewPassword + "x", "The two new passwords differ.")]
    public async Task A_change_that_does_not_hold_up_is_refused_and_the_old_password_stays(string? current, string password, string repeat, string said)
    {
        var old = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");
        using var browser = await ConsoleSession.LogInAsync(server, "anna", old);
        await browser.PageAsync("/account");

        var response = await browser.PostAsync("/account", ("current", current ?? old), ("password", password), ("repeat", repeat));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(said, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var again = ConsoleSession.Anonymous(server);
        Assert.Equal(HttpStatusCode.Redirect, (await again.LogInAsync("anna", old)).StatusCode);
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action == ConsoleAccount.AuditAction);
    }
}

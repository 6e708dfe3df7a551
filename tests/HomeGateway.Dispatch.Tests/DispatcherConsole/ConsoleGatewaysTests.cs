using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HomeGateway.Contracts.Api;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Credentials;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: only admins and technicians, from our own form, get an enrolment code in the console; it is a working
/// code, shown once on a page no cache keeps, and the audit trail says who issued it for which gateway without the code.
/// </summary>
public sealed partial class ConsoleGatewaysTests : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task An_admin_gets_a_code_that_really_enrols_shown_once_with_no_store_and_audited_without_the_code()
    {
        using var admin = server.WebClient(new CookieContainer());
        await LogInAsync(admin, await AddUserAsync("ada", "admin"));
        var page = await admin.GetAsync("/gateways");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var antiforgery = Field(await page.Content.ReadAsStringAsync());

        var response = await admin.PostAsync("/gateways/enrol", Form(antiforgery, ("gatewayId", "kotka-0042-gw"), ("homeId", "kotka-0042")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        var code = CodeOnPage().Match(html).Groups[1].Value;
        Assert.True(EnrolmentCode.TryParse(code, out var token, out var fingerprint), "the page shows an hge1 code");
        Assert.Equal(server.Authority.Fingerprint, fingerprint);
        Assert.Contains(server.Authority.FingerprintText, html, StringComparison.Ordinal);
        var endpoint = server.Running.GrpcUri.GetLeftPart(UriPartial.Authority);
        Assert.Contains($"homegateway enroll --dispatch {endpoint} --token-file -", html, StringComparison.Ordinal);

        var audit = Assert.Single(await server.Store.ListAuditAsync("kotka-0042-gw", null));
        Assert.Equal("ada", audit.Actor);
        Assert.Equal("enrolment_code_issued", audit.Action);
        Assert.DoesNotContain(token, audit.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(token, audit.Actor + audit.Action + audit.AlertId, StringComparison.Ordinal);

        // The code works at the gateway endpoint, once.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = DispatchServer.Csr(key);
        Assert.Equal(HttpStatusCode.OK, (await server.PostEnrolmentAsync(token, csr)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await server.PostEnrolmentAsync(token, csr)).StatusCode);

        // The list now shows the gateway with its certificate; the code is on no other page.
        var list = await (await admin.GetAsync("/gateways")).Content.ReadAsStringAsync();
        Assert.Contains("kotka-0042-gw", list, StringComparison.Ordinal);
        Assert.Contains("valid until", list, StringComparison.Ordinal);
        Assert.DoesNotContain(token, list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_technician_may_enrol_a_known_gateway_again_without_naming_the_home()
    {
        await server.AddGatewayAsync("gw-1", "home-1");
        using var technician = server.WebClient(new CookieContainer());
        var antiforgery = await LogInAsync(technician, await AddUserAsync("tess", "technician"));
        // A technician takes no alerts: "/" sends her to the fleet, whose navigation has the gateways.
        Assert.Contains("href=\"/gateways\"", await (await technician.GetAsync("/fleet")).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var response = await technician.PostAsync("/gateways/enrol", Form(antiforgery, ("gatewayId", "gw-1"), ("homeId", "")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var code = CodeOnPage().Match(WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync())).Groups[1].Value;
        Assert.True(EnrolmentCode.TryParse(code, out var token, out _));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var enrolled = await server.Enrolment.EnrolAsync(token, DispatchServer.Csr(key));
        Assert.Equal("gw-1", enrolled.GatewayId);
        Assert.Equal("home-1", enrolled.HomeId);
        Assert.Equal("tess", Assert.Single(await server.Store.ListAuditAsync("gw-1", null)).Actor);
    }

    [Fact]
    public async Task A_dispatcher_is_refused_the_page_and_the_post()
    {
        using var dispatcher = server.WebClient(new CookieContainer());
        var antiforgery = await LogInAsync(dispatcher, await AddUserAsync("dan", "dispatcher"));

        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.GetAsync("/gateways")).StatusCode);
        var post = await dispatcher.PostAsync("/gateways/enrol", Form(antiforgery, ("gatewayId", "gw-9"), ("homeId", "home-9")));

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.DoesNotContain("href=\"/gateways\"", await (await dispatcher.GetAsync("/")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await server.Store.FindGatewayAsync("gw-9"));
        // Only adding the user and the login are on the audit trail.
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action is not ("logged_in" or "user_added"));
    }

    [Fact]
    public async Task Without_a_session_the_page_and_the_post_redirect_to_login()
    {
        using var anonymous = server.WebClient(new CookieContainer());

        var page = await anonymous.GetAsync("/gateways");
        var post = await anonymous.PostAsync("/gateways/enrol", Form(("gatewayId", "gw-9"), ("homeId", "home-9")));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.Equal("/login", post.Headers.Location!.AbsolutePath);
        Assert.Null(await server.Store.FindGatewayAsync("gw-9"));
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_issues_nothing()
    {
        using var admin = server.WebClient(new CookieContainer());
        await LogInAsync(admin, await AddUserAsync("ada", "admin"));

        var response = await admin.PostAsync("/gateways/enrol", Form(("gatewayId", "gw-9"), ("homeId", "home-9")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await server.Store.FindGatewayAsync("gw-9"));
        // Only adding the user and the login are on the audit trail.
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action is not ("logged_in" or "user_added"));
    }

    [Theory]
    [InlineData("", "home-9", "must not be empty")]
    [InlineData("CN=evil,O=x", "home-9", "must not be empty nor contain ','")]
    [InlineData("gw\u00079", "home-9", "control characters")]
    [InlineData("gw-new", "", "is new: say which home it serves")]
    [InlineData("gw-1", "home-2", "serves home 'home-1', not 'home-2'")]
    public async Task A_bad_request_shows_the_error_on_the_form_and_issues_nothing(string gatewayId, string homeId, string error)
    {
        await server.AddGatewayAsync("gw-1", "home-1");
        using var admin = server.WebClient(new CookieContainer());
        var antiforgery = await LogInAsync(admin, await AddUserAsync("ada", "admin"));
        var auditBefore = (await server.Store.ListAuditAsync(null, null)).Count;

        var response = await admin.PostAsync("/gateways/enrol", Form(antiforgery, ("gatewayId", gatewayId), ("homeId", homeId)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains(error, html, StringComparison.Ordinal);
        Assert.Contains("action=\"/gateways/enrol\"", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(CodeOnPage(), html);
        Assert.Equal(auditBefore, (await server.Store.ListAuditAsync(null, null)).Count);
        Assert.Equal("home-1", (await server.Store.FindGatewayAsync("gw-1"))!.HomeId);
        Assert.Null(await server.Store.FindGatewayAsync("gw-new"));
    }

    private async Task<(string Name, string Password)> AddUserAsync(string name, string role)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(
            ["users", "add", name, "--role", role, "--data", server.DataDirectory], stdout, new StringWriter()));
        return (name, stdout.ToString().Trim());
    }

    /// <summary>Logs in through the form; returns the account page's antiforgery field (name, value).</summary>
    private static async Task<(string, string)> LogInAsync(HttpClient web, (string Name, string Password) user)
    {
        var login = Field(await (await web.GetAsync("/login")).Content.ReadAsStringAsync());
        var response = await web.PostAsync("/login", Form(login, ("name", user.Name), ("password", user.Password)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // Every role may open its account page, and every page carries the token.
        return Field(await (await web.GetAsync("/account")).Content.ReadAsStringAsync());
    }

    private static (string, string) Field(string html)
    {
        var match = AntiforgeryField().Match(html);
        Assert.True(match.Success, "the page carries an antiforgery token");
        return (match.Groups[1].Value, WebUtility.HtmlDecode(match.Groups[2].Value));
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static FormUrlEncodedContent Form((string Name, string Value) antiforgery, params (string Name, string Value)[] fields) =>
        Form([antiforgery, .. fields]);

    [GeneratedRegex("""<input type="hidden" name="(__antiforgery)" value="([^"]+)"\s*/?>""")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("""<code id="code">([^<]+)</code>""")]
    private static partial Regex CodeOnPage();
}

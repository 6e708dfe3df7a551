using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// Somebody else's web site, on another loopback port: one page that posts a form to the console as soon as it loads,
/// the way a forged-request attack rides on a dispatcher's open session. Reached as <c>http://127.0.0.1:PORT</c> it is
/// another origin of the same site (cookies still go along; only antiforgery stops it), as <c>http://localhost:PORT</c>
/// another site (SameSite=Strict keeps the session cookie home as well).
/// </summary>
internal sealed class ForeignSite : IAsyncDisposable
{
    private readonly WebApplication app;

    private ForeignSite(WebApplication app) => this.app = app;

    public int Port { get; private set; }

    public Uri SameSiteOrigin => new($"http://127.0.0.1:{Port}/");

    public Uri CrossSiteOrigin => new($"http://localhost:{Port}/");

    /// <summary>Serves at <c>/</c> a page that at once posts <paramref name="fields"/> to <paramref name="target"/>.</summary>
    public static async Task<ForeignSite> StartAsync(Uri target, IReadOnlyDictionary<string, string> fields)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var html = Page(target, fields);
        app.MapGet("/", () => Results.Content(html, "text/html; charset=utf-8"));
        var site = new ForeignSite(app);
        await app.StartAsync();
        site.Port = new Uri(app.Urls.Single()).Port;
        return site;
    }

    /// <summary>
    /// The <paramref name="victim"/>, still logged in, opens <paramref name="foreignPage"/> in another tab of the same
    /// browser context (same cookies); returns dispatch's answer to the post whose path ends with <paramref name="postedPathEnd"/>.
    /// </summary>
    public static async Task<IResponse> VisitAsync(IPage victim, Uri foreignPage, string postedPathEnd)
    {
        var tab = await victim.Context.NewPageAsync();
        return await tab.RunAndWaitForResponseAsync(
            () => tab.GotoAsync(foreignPage.ToString()),
            response => response.Request.Method == "POST" && response.Url.EndsWith(postedPathEnd, StringComparison.Ordinal));
    }

    private static string Page(Uri target, IReadOnlyDictionary<string, string> fields)
    {
        var encode = HtmlEncoder.Default;
        var inputs = string.Concat(fields.Select(field =>
            $"<input type=\"hidden\" name=\"{encode.Encode(field.Key)}\" value=\"{encode.Encode(field.Value)}\">"));
        return $"""
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Free coffee vouchers</title></head>
            <body>
            <form id="forged" method="post" action="{encode.Encode(target.ToString())}">{inputs}</form>
            <script>document.getElementById("forged").submit();</script>
            </body></html>
            """;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

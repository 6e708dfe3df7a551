using System.Net;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Contracts.Logging;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.ClientRecords;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.Ingest;
using HomeGateway.Dispatch.IntegrationApi;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Supervision;
using HomeGateway.Dispatch.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Hosting;

/// <summary>Composition of the dispatch server: <c>builder.AddDispatch()</c>, then <c>app.MapDispatch()</c>.</summary>
public static class DispatchApp
{
    private const string SessionScheme = "Dispatch";

    /// <summary>A builder with dispatch added; <paramref name="args"/> may carry <c>--Dispatch:Key=value</c>.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json next to the executable, wherever it is started from.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddDispatch();
        return builder;
    }

    /// <summary>Builds, migrates the store and starts listening. The caller disposes the result to stop.</summary>
    public static async Task<RunningDispatch> StartAsync(WebApplicationBuilder builder, CancellationToken ct = default)
    {
        var app = builder.Build();
        try
        {
            // Before anything is written there (mapping the endpoints already makes the cookie keys): owner-only, and
            // anything an older version left readable tightened.
            var dataDirectory = app.Services.GetRequiredService<IOptions<DispatchOptions>>().Value.DataDirectory;
            if (!string.IsNullOrWhiteSpace(dataDirectory))
            {
                PrivateFiles.CreateDirectory(dataDirectory);
                PrivateFiles.TightenAtStart(dataDirectory, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HomeGateway.Dispatch"));
            }

            app.MapDispatch();
            var store = app.Services.GetRequiredService<DispatchStore>();
            await store.MigrateAsync(ct);
            // Which database this node uses (never with its password): several nodes must name the same one.
            DispatchLog.StoreReady(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HomeGateway.Dispatch"),
                store.Dialect.Description, StoreSchema.LatestVersion);
            await app.StartAsync(ct);
            var endpoints = app.Services.GetRequiredService<DispatchEndpoints>();
            return new RunningDispatch(app, endpoints.WebUri, endpoints.GrpcUri, endpoints.ApiUri);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts dispatch with these options (tests: port 0 and a temporary data directory).</summary>
    public static Task<RunningDispatch> StartAsync(
        DispatchOptions options, Action<WebApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        var builder = CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dispatch:DataDirectory"] = options.DataDirectory,
            ["Dispatch:WebUrl"] = options.WebUrl,
            ["Dispatch:GrpcUrl"] = options.GrpcUrl,
            ["Dispatch:ApiUrl"] = options.ApiUrl,
            ["Dispatch:HeartbeatSeconds"] = options.HeartbeatSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dispatch:Supervision:ReportingSeconds"] =
                options.Supervision.ReportingSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dispatch:Console:TrustedProxy"] = options.Console.TrustedProxy ? "true" : "false",
            ["Dispatch:Escalation:CriticalUnacknowledgedMinutes"] =
                options.Escalation.CriticalUnacknowledgedMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dispatch:ClientRecords:RetentionDays"] =
                options.ClientRecords.RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dispatch:Store:Provider"] = options.Store.Provider,
            ["Dispatch:Store:ConnectionString"] = options.Store.ConnectionString,
            ["Dispatch:Store:PasswordFile"] = options.Store.PasswordFile,
        }.Concat(options.PublicNames.Select((name, i) => KeyValuePair.Create($"Dispatch:PublicNames:{i}", (string?)name))));
        configure?.Invoke(builder);
        return StartAsync(builder, ct);
    }

    private static bool IsShared(IServiceProvider services) => services.GetRequiredService<DispatchStore>().Dialect is PostgresDialect;

    /// <summary>The hosted-service slot of the cross-node feed when there is only one node.</summary>
    private sealed class NothingToRun : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public static WebApplicationBuilder AddDispatch(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DispatchOptions>().Bind(builder.Configuration.GetSection(DispatchOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DispatchOptions>>().Value;
            return options.Store.CreateStore(options.DataDirectory, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IDispatchStore>(sp => sp.GetRequiredService<DispatchStore>());
        // On PostgreSQL several nodes may share the store: the live feed spans them (LISTEN/NOTIFY) and one node supervises.
        services.AddSingleton(sp => (PostgresDialect)sp.GetRequiredService<DispatchStore>().Dialect);
        services.AddSingleton<InProcessAlertFeed>();
        services.AddSingleton<PostgresAlertFeed>();
        services.AddSingleton<IAlertFeed>(sp => IsShared(sp) ? sp.GetRequiredService<PostgresAlertFeed>() : sp.GetRequiredService<InProcessAlertFeed>());
        services.AddSingleton<IHostedService>(sp => IsShared(sp) ? sp.GetRequiredService<PostgresAlertFeed>() : new NothingToRun());
        services.AddSingleton<PostgresSupervisionLease>();
        services.AddSingleton<ISupervisionLease>(sp => IsShared(sp) ? sp.GetRequiredService<PostgresSupervisionLease>() : new SingleNodeLease());
        services.AddSingleton<GatewaySessions>();
        services.AddSingleton<StreamAdmission>();
        services.AddSingleton<UplinkLogGate>();
        services.AddSingleton<HandshakeAdmission>();
        services.AddSingleton<HeartbeatContacts>();
        services.AddHostedService(sp => sp.GetRequiredService<HeartbeatContacts>());
        services.AddSingleton<AlertAcknowledgements>();
        services.AddSingleton<AlertLifecycle>();
        services.AddSingleton<CriticalEscalation>();
        services.AddHostedService(sp => sp.GetRequiredService<CriticalEscalation>());
        services.AddSingleton<Responders.ResponderDispatch>();
        services.AddSingleton<Responders.CascadeSupervisor>();
        services.AddHostedService(sp => sp.GetRequiredService<Responders.CascadeSupervisor>());
        services.AddSingleton<ClientRecordRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<ClientRecordRetention>());
        services.AddSingleton<GatewaySupervisor>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewaySupervisor>());
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<DispatchEndpoints>();
        services.AddSingleton(sp => DispatchAuthority.LoadOrCreate(
            sp.GetRequiredService<IOptions<DispatchOptions>>().Value.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<GatewayEnrolment>();
        services.AddSingleton<RevocationWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<RevocationWatch>());
        services.AddSingleton<ApiTokenWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiTokenWatch>());

        services.AddGrpc(grpc =>
        {
            // A journal record is a few hundred bytes; anything near this is a broken or hostile peer.
            grpc.MaxReceiveMessageSize = 1024 * 1024;
            grpc.MaxSendMessageSize = 64 * 1024;
        });
        // gRPC logs each unreadable frame at Information with its whole stack trace (~30 lines; a probe wrote 3.4 MB):
        // the uplink answers such a frame itself, InvalidArgument with one rate-limited line (event 1400).
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<DispatchOptions>, DispatchEndpoints, DispatchAuthority, ILoggerFactory, HandshakeAdmission>((kestrel, options, endpoints, authority, loggers, handshakes) =>
                endpoints.Listen(kestrel, options.Value, authority, loggers.CreateLogger("HomeGateway.Dispatch"), handshakes));

        // Session cookies and antiforgery tokens must survive a restart: keep their keys with the data.
        services.AddDataProtection().SetApplicationName("HomeGateway.Dispatch");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<DispatchOptions>, ILoggerFactory>((keys, options, loggers) => keys.XmlRepository =
                new PrivateKeyRepository(Path.Combine(options.Value.DataDirectory, "keys"), loggers));

        services.AddAuthentication(SessionScheme)
            .AddPolicyScheme(SessionScheme, "API token or console session", policy =>
                // gRPC clients (the integration API) never have a console session: without a token they get
                // UNAUTHENTICATED, not a redirect to the login page.
                policy.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0 || IsGrpc(http.Request)
                    ? ApiTokenAuthentication.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
            {
                cookie.Cookie.Name = "hgd_session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = "/login";
                cookie.ExpireTimeSpan = ConsoleSessions.IdleLimit;
                cookie.SlidingExpiration = true;
                // The cookie only names a server-side session: logout or a password change ends it for every copy.
                cookie.Events.OnValidatePrincipal = ConsoleSessions.ValidateAsync;
                cookie.Events.OnRedirectToLogin = context => ApiGetsStatus(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => ApiGetsStatus(context, StatusCodes.Status403Forbidden);
            });
        // Sessions expire on the app's clock (a fake one in tests), like everything else here.
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<TimeProvider>((cookie, time) => cookie.TimeProvider = time);
        services.AddAuthorizationBuilder()
            // Nothing answers without authentication unless its endpoint says AllowAnonymous.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(DispatchApiService.Policy, policy => policy
                .AddAuthenticationSchemes(ApiTokenAuthentication.SchemeName).RequireRole(ApiTokenAuthentication.Role));
        // The console's pages are Razor components rendered on the server; their words come from resource files in the
        // reader's language (RequestLocalization below picks it from the session, or the browser before login).
        services.AddRazorComponents();
        services.AddLocalization();
        // Letters stay letters in the page source (ä, å, ö are not escaped), so Finnish and Swedish pages stay readable.
        services.AddWebEncoders(encoders => encoders.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "hgd_antiforgery";
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.FormFieldName = "__antiforgery";
        });

        // Gateway ids, uplink fields and names typed at the login reach the log: every message is escaped on its way out.
        services.EscapePeerTextInLogs();
        return builder;
    }

    public static WebApplication MapDispatch(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var endpoints = app.Services.GetRequiredService<DispatchEndpoints>();
            DispatchLog.Listening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HomeGateway.Dispatch"),
                Origin(endpoints.WebUri), Origin(endpoints.GrpcUri));
            // One line on stdout for a parent process that started us on port 0.
            System.Console.Out.WriteLine($"Dispatch listening: web={Origin(endpoints.WebUri)} grpc={Origin(endpoints.GrpcUri)}"
                + (endpoints.ApiUri is { } api ? $" api={Origin(api)}" : ""));
            System.Console.Out.Flush();
        });

        if (app.Services.GetRequiredService<IOptions<DispatchOptions>>().Value.Console.TrustedProxy)
        {
            // Only from loopback (the defaults' known proxies): the proxy runs on this machine. The scheme for Secure cookies,
            // the client's address for the login throttle (which otherwise sees every user as the proxy).
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedFor });
        }

        var listeners = app.Services.GetRequiredService<DispatchEndpoints>();
        app.Use(async (http, next) =>
        {
            // The gateway endpoint serves gateways only (the uplink and enrolment), the API endpoint the integration
            // API only, the web endpoint everything else.
            var isGrpc = IsGrpc(http.Request);
            var isIntegrationApi = isGrpc && http.Request.Path.StartsWithSegments(DispatchApiService.PathPrefix, StringComparison.Ordinal);
            var isEnrolment = http.Request.Path.Equals(EnrolmentEndpoints.Path, StringComparison.Ordinal);
            var allowed = listeners.EndpointOf(http.Connection.LocalPort) switch
            {
                DispatchEndpoint.Gateway => (isGrpc && !isIntegrationApi) || isEnrolment,
                DispatchEndpoint.Api => isIntegrationApi,
                _ => !(isGrpc || isEnrolment),
            };
            if (!allowed)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy =
                // Scripts and the style sheet are dispatch's own files: no inline script or style, nothing from elsewhere.
                "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
            await next(http);
        });
        app.UseAuthentication();
        app.UseRequestLocalization(DispatcherConsole.Language.ConsoleLanguages.Localization());
        app.UseAuthorization();

        // Gateways authenticate inside the call with their certificate (it maps to a gateway, not to a web user),
        // and enrolment with its one-time token.
        app.MapGrpcService<GatewayUplinkService>().AllowAnonymous();
        app.MapGrpcService<DispatchApiService>().RequireAuthorization(DispatchApiService.Policy);
        app.MapEnrolment();
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        app.MapAlertApi();
        app.MapConsole();
        return app;
    }

    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;

    private static Task ApiGetsStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The two listeners and, once bound, their actual addresses (port 0 becomes a real port).</summary>
internal sealed class DispatchEndpoints
{
    private ListenOptions? web;
    private ListenOptions? grpc;
    private ListenOptions? api;

    public Uri WebUri => Bound(web, "web", Uri.UriSchemeHttp);

    public Uri GrpcUri => Bound(grpc, "gRPC", Uri.UriSchemeHttps);

    /// <summary>The integration API's address, or null when it is not served.</summary>
    public Uri? ApiUri => api is null ? null : Bound(api, "API", Uri.UriSchemeHttps);

    public void Listen(KestrelServerOptions kestrel, DispatchOptions options, DispatchAuthority authority, ILogger logger, HandshakeAdmission handshakes)
    {
        kestrel.AddServerHeader = false;
        // Half-open gateway connections (a router reboot) are found by pings, not by waiting for TCP.
        kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
        kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
        kestrel.Limits.MaxRequestBodySize = 1024 * 1024;

        web = ListenOn(kestrel, options.WebUrl, Uri.UriSchemeHttp, HttpProtocols.Http1, null);
        var names = ServerNames(options);
        var certificate = authority.ServerCertificate(names);
        CredentialsLog.AuthorityReady(logger, authority.FingerprintText, authority.Directory, string.Join(", ", names));
        grpc = ListenOn(kestrel, options.GrpcUrl, Uri.UriSchemeHttps, HttpProtocols.Http1AndHttp2, listen =>
        {
            // Around the handshake: a fleet reconnecting at once is let into TLS a bounded number at a time.
            listen.Use(handshakes.BeforeTls);
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                // Asked for in the handshake, checked per call by GatewayUplinkService (chain to this CA only, validity,
                // revocation), so that a refusal is a gRPC status the gateway logs in words, not a failed handshake;
                // enrolment on the same port needs no certificate yet.
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (_, _, _) => true,
                SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            });
            listen.Use(HandshakeAdmission.AfterTls);
        });
        if (options.ApiUrl.Length > 0)
        {
            // Integrations authenticate with an API token per call; TLS with the same certificate (trust dispatch's CA).
            api = ListenOn(kestrel, options.ApiUrl, Uri.UriSchemeHttps, HttpProtocols.Http2, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            }));
        }
    }

    /// <summary>Which endpoint a connection came in on, by its local port.</summary>
    public DispatchEndpoint EndpointOf(int localPort) =>
        grpc?.IPEndPoint?.Port == localPort ? DispatchEndpoint.Gateway
        : api?.IPEndPoint?.Port == localPort ? DispatchEndpoint.Api
        : DispatchEndpoint.Web;

    /// <summary>The names in the gateway endpoint's certificate: <see cref="DispatchOptions.PublicNames"/>, else the listen address.</summary>
    internal static IReadOnlyCollection<string> ServerNames(DispatchOptions options)
    {
        if (options.PublicNames.Count > 0)
        {
            return options.PublicNames;
        }

        ListenAddress.TryParse(options.GrpcUrl, Uri.UriSchemeHttps, out var address, out _);
        return IPAddress.IsLoopback(address.Address) ? ["localhost", "127.0.0.1", "::1"] : [address.Host.Trim('[', ']')];
    }

    private static ListenOptions ListenOn(KestrelServerOptions kestrel, string url, string scheme, HttpProtocols protocols, Action<ListenOptions>? configure)
    {
        if (!ListenAddress.TryParse(url, scheme, out var address, out var problem))
        {
            throw new OptionsValidationException(DispatchOptions.SectionName, typeof(DispatchOptions), [problem]);
        }

        ListenOptions? configured = null;
        kestrel.Listen(new IPEndPoint(address.Address, address.Port), listen =>
        {
            listen.Protocols = protocols;
            configure?.Invoke(listen);
            configured = listen;
        });
        return configured!;
    }

    private static Uri Bound(ListenOptions? listen, string what, string scheme)
    {
        if (listen?.IPEndPoint is not { Port: > 0 } endpoint)
        {
            throw new InvalidOperationException($"The {what} endpoint is not bound yet.");
        }

        return new Uri($"{scheme}://{endpoint}");
    }
}

/// <summary>The three listeners.</summary>
internal enum DispatchEndpoint
{
    /// <summary>The console and the JSON API (plain http on loopback).</summary>
    Web,

    /// <summary>Gateways: the mutual-TLS uplink and enrolment.</summary>
    Gateway,

    /// <summary>The integration gRPC API (<c>DispatchApi</c>), when configured.</summary>
    Api,
}

/// <summary>A started dispatch server. Dispose to stop it.</summary>
public sealed class RunningDispatch(WebApplication app, Uri webUri, Uri grpcUri, Uri? apiUri = null) : IAsyncDisposable
{
    public WebApplication App => app;

    public IServiceProvider Services => app.Services;

    /// <summary>The console and JSON API, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri WebUri => webUri;

    /// <summary>The gateway endpoint (https: the mutual-TLS uplink and enrolment).</summary>
    public Uri GrpcUri => grpcUri;

    /// <summary>The integration gRPC API (https), or null when <c>Dispatch:ApiUrl</c> is empty.</summary>
    public Uri? ApiUri => apiUri;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

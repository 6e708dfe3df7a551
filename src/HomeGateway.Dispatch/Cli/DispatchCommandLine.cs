using System.CommandLine;
using HomeGateway.Core.Text;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Cli;

/// <summary>
/// <c>homegateway-dispatch</c>: with no command (or <c>run</c>) it serves; the admin commands act on the data
/// directory directly. A command that prints a secret prints only the secret on stdout, so scripts can
/// capture it; everything meant for a person goes to stderr.
/// </summary>
public static partial class DispatchCommandLine
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    private static readonly string[] Roles = DispatcherConsole.ConsoleLayout.AllRoles;

    /// <summary>The longest user name: it is shown in every audit row and page the user acts on.</summary>
    internal const int MaxUserNameLength = 64;

    public static Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        // First of all: whatever this process creates (the database and its -wal/-shm, keys, the CA) is the owner's alone.
        PrivateFiles.SetProcessUmask();
        return InvokeAsync(args, Configuration(), stdout, stderr, ct);
    }

    /// <summary>With <paramref name="settings"/> in place of appsettings.json and the environment (tests: their own store).</summary>
    internal static async Task<int> InvokeAsync(string[] args, IConfiguration settings, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        var root = Build(settings, stdout, stderr);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync(error.Message);
            }

            await stderr.WriteLineAsync("Run 'homegateway-dispatch --help' for usage.");
            return UsageError;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr }, ct);
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await stderr.WriteLineAsync(failure);
            }

            return Failure;
        }
    }

    private static RootCommand Build(IConfiguration settings, TextWriter stdout, TextWriter stderr)
    {
        var data = new Option<string?>("--data")
        {
            Description = "The data directory holding dispatch.db (default: Dispatch:DataDirectory / Dispatch__DataDirectory).",
        };

        var root = new RootCommand("HomeGateway dispatch: gRPC ingest of gateway streams, the alert store and the dispatcher console.")
        {
            // Server settings pass through as --Dispatch:Key=value, read by the host's configuration.
            TreatUnmatchedTokensAsErrors = false,
        };
        var run = new Command("run", "Start the server (the default). Settings: --Dispatch:DataDirectory=DIR, --Dispatch:WebUrl=..., --Dispatch:GrpcUrl=...")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.SetAction((parsed, ct) => RunServerAsync(parsed, stdout, stderr, ct));
        run.SetAction((parsed, ct) => RunServerAsync(parsed, stdout, stderr, ct));
        root.Subcommands.Add(run);

        var userName = new Argument<string>("NAME") { Description = "The user's login name." };
        var role = new Option<string>("--role")
        {
            Description = "admin, dispatcher, technician, care_manager (reads the report, homes and alerts; changes nothing) or responder (sees only the requests asked of them, at /responder).",
            Required = true,
        };
        role.AcceptOnlyFromAmong(Roles);
        var language = new Option<string>("--language") { Description = "The console's language for this user: en (default), fi or sv.", DefaultValueFactory = _ => "en" };
        language.AcceptOnlyFromAmong([.. ConsoleLanguages.All.Select(ConsoleLanguages.Code)]);
        var usersAdd = new Command("add", "Create a console user with a random password; prints only the password.") { userName, role, language, data };
        usersAdd.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var name = parsed.GetValue(userName)!.Trim();
            if (UserNameProblem(name) is { } problem)
            {
                await stderr.WriteLineAsync(problem);
                return UsageError;
            }

            var password = Secrets.NewPassword();
            if (!await store.AddUserAsync(name, PasswordHash.Create(password), parsed.GetValue(role)!, parsed.GetValue(language)!, CommandLineActor(), ct))
            {
                await stderr.WriteLineAsync($"A user named '{name}' already exists; nothing changed.");
                return Failure;
            }

            await stderr.WriteLineAsync($"Created {parsed.GetValue(role)} '{name}'. The password below is shown once; only its hash is stored.");
            await stdout.WriteLineAsync(password);
            return Ok;
        }));
        var usersList = new Command("list", "List console users: name, role, language, created, and whether disabled (by whom, when).") { data };
        usersList.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var users = await store.ListUsersAsync(ct);
            await stdout.WriteLineAsync($"{"NAME",-24} {"ROLE",-11} {"LANG",-4} {"CREATED",-17} STATE");
            foreach (var user in users)
            {
                var state = user.DisabledAt is { } at ? $"disabled {Shown(at)} by {PeerText.Escape(user.DisabledBy)}" : "enabled";
                await stdout.WriteLineAsync($"{PeerText.Escape(user.Name),-24} {user.Role,-11} {user.Language,-4} {Shown(user.CreatedAt),-17} {state}");
            }

            return Ok;
        }));
        var disableName = new Argument<string>("NAME") { Description = "The user's login name." };
        var usersDisable = new Command("disable", "Disable a console user: their sessions end at once (other nodes within seconds) and they cannot log in until enabled.") { disableName, data };
        usersDisable.SetAction((parsed, ct) => SetDisabledAsync(parsed, disableName, disabled: true, ct));
        var enableName = new Argument<string>("NAME") { Description = "The user's login name." };
        var usersEnable = new Command("enable", "Enable a disabled console user again (their password is unchanged).") { enableName, data };
        usersEnable.SetAction((parsed, ct) => SetDisabledAsync(parsed, enableName, disabled: false, ct));
        var resetName = new Argument<string>("NAME") { Description = "The user's login name." };
        var usersReset = new Command("reset-password", "Give a user a new random password; their sessions end. Prints only the password.") { resetName, data };
        usersReset.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var name = parsed.GetValue(resetName)!.Trim();
            var password = Secrets.NewPassword();
            if (await store.ResetUserPasswordAsync(name, PasswordHash.Create(password), CommandLineActor(), ct) is not { } ended)
            {
                await stderr.WriteLineAsync($"No user named '{PeerText.Escape(name)}'; nothing changed.");
                return Failure;
            }

            await stderr.WriteLineAsync(
                $"New password for '{name}': {ended.Count} open sessions ended (a running dispatch notices within seconds). It is shown once; only its hash is stored.");
            await stdout.WriteLineAsync(password);
            return Ok;
        }));
        var setRoleName = new Argument<string>("NAME") { Description = "The user's login name." };
        var newRole = new Argument<string>("ROLE") { Description = "admin, dispatcher, technician, care_manager or responder." };
        newRole.AcceptOnlyFromAmong(Roles);
        var newLanguage = new Option<string?>("--language") { Description = "Also change the console's language: en, fi or sv (default: unchanged)." };
        newLanguage.AcceptOnlyFromAmong([.. ConsoleLanguages.All.Select(ConsoleLanguages.Code)]);
        var usersSetRole = new Command("set-role", "Change a user's role (their sessions end; they log in again with the new rights).") { setRoleName, newRole, newLanguage, data };
        usersSetRole.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var name = parsed.GetValue(setRoleName)!.Trim();
            if (await store.FindUserAsync(name, ct) is not { } user)
            {
                await stderr.WriteLineAsync($"No user named '{PeerText.Escape(name)}'; nothing changed.");
                return Failure;
            }

            var change = await store.SetUserRoleAsync(name, parsed.GetValue(newRole)!, parsed.GetValue(newLanguage) ?? user.Language, CommandLineActor(), ct);
            switch (change.Result)
            {
                case RoleChangeResult.LastAdmin:
                    await stderr.WriteLineAsync($"'{name}' is the last enabled admin; add or enable another admin first. Nothing changed.");
                    return Failure;
                case RoleChangeResult.Unchanged:
                    await stderr.WriteLineAsync($"'{name}' is already {user.Role} ({user.Language}); nothing changed.");
                    return Ok;
                case RoleChangeResult.NoSuchUser:
                    await stderr.WriteLineAsync($"No user named '{PeerText.Escape(name)}'; nothing changed.");
                    return Failure;
            }

            await stderr.WriteLineAsync(
                $"'{name}' is now {parsed.GetValue(newRole)} (was {change.FromRole}); {change.EndedSessions.Count} open sessions ended (a running dispatch notices within seconds).");
            return Ok;
        }));
        root.Subcommands.Add(new Command("users", "Console users.") { usersAdd, usersList, usersDisable, usersEnable, usersReset, usersSetRole });

        Task<int> SetDisabledAsync(ParseResult parsed, Argument<string> nameArgument, bool disabled, CancellationToken ct) =>
            WithStoreAsync(parsed, settings, data, stderr, async store =>
            {
                var name = parsed.GetValue(nameArgument)!.Trim();
                if (await store.FindUserAsync(name, ct) is null)
                {
                    await stderr.WriteLineAsync($"No user named '{PeerText.Escape(name)}'; nothing changed.");
                    return Failure;
                }

                if (await store.SetUserDisabledAsync(name, disabled, CommandLineActor(), ct) is not { } ended)
                {
                    await stderr.WriteLineAsync($"User '{name}' is already {(disabled ? "disabled" : "enabled")}; nothing changed.");
                    return Ok;
                }

                await stderr.WriteLineAsync(disabled
                    ? $"Disabled '{name}': {ended.Count} open sessions ended (a running dispatch notices within seconds); they cannot log in until `users enable {name}`."
                    : $"Enabled '{name}': they can log in again with their password.");
                return Ok;
            });

        var tokenName = new Argument<string>("NAME") { Description = "What the token is for, e.g. the integration's name (letters, digits, '-', '_', '.'; at most 64)." };
        var expiresIn = new Option<string?>("--expires-in")
        {
            Description = $"How long the token works: days (90 or 90d, the default) or hours (12h); at most {ApiTokenLifetime.Maximum.TotalDays:0} days.",
        };
        var tokensCreate = new Command("create", "Create an API token; prints only the token (shown once: only its hash is stored).") { tokenName, expiresIn, data };
        tokensCreate.SetAction((parsed, ct) => CreateTokenAsync(parsed, ct));
        var tokensAdd = new Command("add", "The same as `tokens create` (kept for scripts).") { tokenName, expiresIn, data };
        tokensAdd.SetAction((parsed, ct) => CreateTokenAsync(parsed, ct));

        Task<int> CreateTokenAsync(ParseResult parsed, CancellationToken ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var name = parsed.GetValue(tokenName)!.Trim();
            var lifetimeProblem = LifetimeOf(parsed.GetValue(expiresIn), out var lifetime);
            var problem = TokenNameProblem(name) ?? lifetimeProblem;
            if (problem is not null)
            {
                await stderr.WriteLineAsync(problem);
                return UsageError;
            }

            var token = Secrets.NewApiToken();
            var expires = DateTimeOffset.UtcNow + lifetime;
            if (!await store.AddApiTokenAsync(name, Secrets.Hash(token), CommandLineActor(), expires, ct))
            {
                await stderr.WriteLineAsync($"A token named '{name}' already exists; nothing changed (`tokens rotate {name}` gives it a new secret).");
                return Failure;
            }

            await stderr.WriteLineAsync(
                $"Created API token '{name}', valid until {Shown(expires)} UTC (use as 'Authorization: Bearer <token>'). It is shown once; only its hash is stored.");
            await stdout.WriteLineAsync(token);
            return Ok;
        });

        var tokensList = new Command("list", "List API tokens: name, state (active, expired, revoked), created by and when, expiry, last use. Never the secrets.") { data };
        tokensList.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var now = DateTimeOffset.UtcNow;
            await stdout.WriteLineAsync($"{"NAME",-24} {"STATE",-8} {"EXPIRES",-17} {"LAST USED",-17} {"CREATED",-17} CREATED BY");
            foreach (var token in await store.ListApiTokensAsync(ct))
            {
                var state = token.StateAt(now) switch { ApiTokenState.Revoked => "revoked", ApiTokenState.Expired => "expired", _ => "active" };
                await stdout.WriteLineAsync(
                    $"{PeerText.Escape(token.Name),-24} {state,-8} {(token.ExpiresAt is { } e ? Shown(e) : "never (rotate)"),-17} "
                    + $"{(token.LastUsedAt is { } u ? Shown(u) : "-"),-17} {Shown(token.CreatedAt),-17} "
                    + (token.CreatedBy.Length == 0 ? "-" : PeerText.Escape(token.CreatedBy))
                    + (token.RevokedAt is { } r ? $"; revoked {Shown(r)} by {PeerText.Escape(token.RevokedBy)}" : ""));
            }

            return Ok;
        }));

        var revokeTokenName = new Argument<string>("NAME") { Description = "The token's name (see `tokens list`)." };
        var tokensRevoke = new Command("revoke", "Revoke an API token: refused from now on; its open streams end within seconds.") { revokeTokenName, data };
        tokensRevoke.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var name = parsed.GetValue(revokeTokenName)!.Trim();
            if (!await store.RevokeApiTokenAsync(name, CommandLineActor(), ct))
            {
                await stderr.WriteLineAsync($"No active token named '{PeerText.Escape(name)}' (unknown or already revoked); nothing changed.");
                return Failure;
            }

            await stderr.WriteLineAsync($"Revoked API token '{name}': every call with it is refused, and its open streams end within seconds.");
            return Ok;
        }));

        var rotateTokenName = new Argument<string>("NAME") { Description = "The token's name (see `tokens list`)." };
        var tokensRotate = new Command("rotate",
            "Give an API token a new secret and a new expiry; prints only the new secret. The old secret stops working at once "
            + "(to switch without a gap, create a second token, move the integration to it, then revoke the first).") { rotateTokenName, expiresIn, data };
        tokensRotate.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var name = parsed.GetValue(rotateTokenName)!.Trim();
            if (LifetimeOf(parsed.GetValue(expiresIn), out var lifetime) is { } problem)
            {
                await stderr.WriteLineAsync(problem);
                return UsageError;
            }

            var token = Secrets.NewApiToken();
            var expires = DateTimeOffset.UtcNow + lifetime;
            if (!await store.RotateApiTokenAsync(name, Secrets.Hash(token), CommandLineActor(), expires, ct))
            {
                await stderr.WriteLineAsync($"No active token named '{PeerText.Escape(name)}' (unknown or revoked: create a new one); nothing changed.");
                return Failure;
            }

            await stderr.WriteLineAsync($"Rotated API token '{name}': the old secret no longer works; the new one below is valid until {Shown(expires)} UTC and shown once.");
            await stdout.WriteLineAsync(token);
            return Ok;
        }));
        root.Subcommands.Add(new Command("tokens", "API tokens for integrations.") { tokensCreate, tokensAdd, tokensList, tokensRevoke, tokensRotate });
        var cascade = AddResponderCommands(root, settings, data, stdout, stderr);

        var gatewayId = new Argument<string>("GATEWAY_ID") { Description = "The gateway's id (its certificate's subject; what it says in Hello)." };
        var home = new Option<string?>("--home") { Description = "The home the gateway serves (required the first time a gateway id is enrolled)." };
        var enroll = new Command("enroll",
            "Issue a one-time enrolment code for a gateway (registering it if new); prints only the code. "
            + "On the gateway: homegateway enroll --dispatch https://HOST:PORT --token-file FILE (or - and paste it)") { gatewayId, home, data };
        enroll.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async (store, directory) =>
        {
            var id = parsed.GetValue(gatewayId)!.Trim();
            var homeId = parsed.GetValue(home)?.Trim();
            if (GatewayEnrolment.GatewayIdProblem(id) is { } problem)
            {
                await stderr.WriteLineAsync(problem);
                return UsageError;
            }

            using var authority = DispatchAuthority.LoadOrCreate(directory, TimeProvider.System);
            IssuedEnrolmentCode issued;
            try
            {
                issued = await new GatewayEnrolment(store, authority, TimeProvider.System).IssueCodeAsync(id, homeId, ct);
            }
            catch (EnrolmentRefusedException refused)
            {
                await stderr.WriteLineAsync(refused.Message);
                return Failure;
            }

            await stderr.WriteLineAsync(
                $"""
                Enrolment code for gateway '{issued.GatewayId}' (home '{issued.HomeId}'): works once, until {issued.ExpiresAt:yyyy-MM-dd HH:mm} UTC.
                On the gateway run:  homegateway enroll --dispatch https://<this dispatch>:<gateway port> --token-file <file holding the code, mode 0600>
                (or --token-file - and paste the code: a code given with --token shows in ps to every user of the gateway)
                The code carries this dispatch's CA fingerprint (SHA-256), which the gateway checks before it sends anything:
                  {authority.FingerprintText}
                Enrolling again replaces the gateway's certificate; the old one stops working.
                """);
            await stdout.WriteLineAsync(issued.Code);
            return Ok;
        }));

        var revoke = new Command("revoke", "Revoke the gateway's certificate: its live stream is closed and new ones are refused until it is enrolled again.") { gatewayId, data };
        revoke.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async (store, _) =>
        {
            var id = parsed.GetValue(gatewayId)!.Trim();
            if (await store.FindGatewayAsync(id, ct) is null)
            {
                await stderr.WriteLineAsync($"No gateway '{id}' is registered; nothing changed.");
                return Failure;
            }

            var serials = await store.RevokeGatewayAsync(id, ct);
            await stderr.WriteLineAsync(serials.Count == 0
                ? $"Gateway '{id}' had no valid certificate; its unused enrolment codes (if any) no longer work."
                : $"Revoked gateway '{id}': certificate {string.Join(", ", serials)}. A connected stream is closed within seconds; "
                    + $"enrol it again with `homegateway-dispatch gateways enroll {id}`.");
            return Ok;
        }));
        root.Subcommands.Add(new Command("gateways", "Gateway enrolment (certificates from dispatch's CA) and revocation.") { enroll, revoke });
        root.Subcommands.Add(HomesCommand(settings, data, stderr, cascade));
        return root;
    }

    /// <summary>
    /// <c>homes client-left HOME [--on DATE]</c> and <c>homes anonymise HOME --confirm</c>: the retention rule from the
    /// command line, audited as the console's buttons are (actor: the command line and the operating-system user).
    /// </summary>
    private static Command HomesCommand(IConfiguration settings, Option<string?> data, TextWriter stderr, Command cascade)
    {
        var leftHome = new Argument<string>("HOME") { Description = "The home id." };
        var on = new Option<string?>("--on") { Description = "The day the client left (yyyy-mm-dd; default today, UTC)." };
        var clientLeft = new Command("client-left",
            "Mark that the home's client left the service: the client record is anonymised Dispatch:ClientRecords:RetentionDays days after that day "
            + "(undo it on the home's page until then).") { leftHome, on, data };
        clientLeft.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var homeId = parsed.GetValue(leftHome)!.Trim();
            var day = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
            if (parsed.GetValue(on) is { } typed
                && !DateOnly.TryParseExact(typed.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day))
            {
                await stderr.WriteLineAsync($"--on must be a day as yyyy-mm-dd, not '{PeerText.Escape(typed)}'.");
                return UsageError;
            }

            var days = settings.GetSection($"{DispatchOptions.SectionName}:ClientRecords").Get<ClientRecordOptions>()?.RetentionDays ?? new ClientRecordOptions().RetentionDays;
            var change = await store.MarkClientLeftAsync(homeId, day, CommandLineActor(), ct);
            var shownDay = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var deleted = day.AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            return await RetentionAnswerAsync(stderr, homeId, change,
                $"Home '{homeId}': the client left the service on {shownDay}; the client record is anonymised on {deleted} (after {days} days).",
                $"Home '{homeId}' is already marked: the client left on {shownDay}; nothing changed.");
        }));

        var anonymiseHome = new Argument<string>("HOME") { Description = "The home id." };
        var confirm = new Option<bool>("--confirm") { Description = "Required: the client record cannot be restored." };
        var anonymise = new Command("anonymise",
            "Delete the home's client record now (address, access instructions, key holders, contacts, notes; the alerts' notes replaced). "
            + "The home id, the alerts' types, times and outcomes and the audit trail stay; the home's gateways are left as they are.") { anonymiseHome, confirm, data };
        anonymise.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var homeId = parsed.GetValue(anonymiseHome)!.Trim();
            if (!parsed.GetValue(confirm))
            {
                await stderr.WriteLineAsync($"This deletes the client record of home '{homeId}' for good: run it again with --confirm.");
                return UsageError;
            }

            var change = await store.AnonymiseHomeAsync(homeId, CommandLineActor(), ct);
            return await RetentionAnswerAsync(stderr, homeId, change, $"Home '{homeId}': the client record is anonymised.", "");
        }));
        return new Command("homes", "Homes: each home's cascade and the client record's retention.") { cascade, clientLeft, anonymise };
    }

    private static async Task<int> RetentionAnswerAsync(TextWriter stderr, string homeId, ClientRecordChange change, string done, string unchanged)
    {
        var (message, code) = change switch
        {
            ClientRecordChange.Done => (done, Ok),
            ClientRecordChange.Unchanged => (unchanged, Ok),
            ClientRecordChange.NotFound => ($"No home '{PeerText.Escape(homeId)}' is registered; nothing changed.", Failure),
            _ => ($"The client record of home '{PeerText.Escape(homeId)}' is already anonymised; nothing changed.", Failure),
        };
        await stderr.WriteLineAsync(message);
        return code;
    }

    /// <summary>Who did it, in the audit log, when it was done here: the command line and the operating-system user.</summary>
    private static string CommandLineActor() => $"command line ({Environment.UserName})";

    private static string Shown(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A user's name appears as the actor in the audit log and on every page they act on: 1-64 letters (any script: Åsa,
    /// Päivi), digits, '.', '-', '_' or '@'. No spaces nor brackets, so nobody is named like the command line's actor
    /// ("command line (root)"), a token's ("token:x"); and not "dispatch", the actor of dispatch's own rows.
    /// </summary>
    internal static string? UserNameProblem(string name) =>
        name.Length is 0 or > MaxUserNameLength || !name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            || string.Equals(name, "dispatch", StringComparison.OrdinalIgnoreCase)
            ? $"The user name '{PeerText.Escape(name)}' is not 1-{MaxUserNameLength} letters, digits, '.', '-', '_' or '@' (and not 'dispatch')."
            : null;

    /// <summary>A token's name appears in the audit log, logs and the admin page: a short plain word.</summary>
    internal static string? TokenNameProblem(string name) =>
        name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? $"The token name '{PeerText.Escape(name)}' is not 1-64 letters, digits, '-', '_' or '.'."
            : null;

    /// <summary>
    /// <c>--expires-in</c>: days (<c>90</c>, <c>90d</c>) or hours (<c>12h</c>); absent: <see cref="ApiTokenLifetime.Default"/>.
    /// A plain sentence when it is not one of those or is outside the allowed lifetime, else null.
    /// </summary>
    internal static string? LifetimeOf(string? text, out TimeSpan lifetime)
    {
        lifetime = ApiTokenLifetime.Default;
        if (text is null)
        {
            return null;
        }

        var hours = text.EndsWith('h');
        var number = text.TrimEnd('d', 'h');
        if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            return $"--expires-in '{PeerText.Escape(text)}' is not a number of days (90, 90d) or hours (12h).";
        }

        lifetime = hours ? TimeSpan.FromHours(count) : TimeSpan.FromDays(Math.Min(count, 100_000));
        return ApiTokenLifetime.Problem(lifetime);
    }

    private static async Task<int> RunServerAsync(ParseResult parsed, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var passThrough = parsed.UnmatchedTokens.ToArray();
        for (var i = 0; i < passThrough.Length; i++)
        {
            // A bare word that is not the value of a preceding --Key is a mistyped command, not a setting.
            var isValue = i > 0 && passThrough[i - 1].StartsWith("--", StringComparison.Ordinal) && !passThrough[i - 1].Contains('=', StringComparison.Ordinal);
            if (!passThrough[i].StartsWith("--", StringComparison.Ordinal) && !isValue)
            {
                await stderr.WriteLineAsync($"Unknown command or argument '{passThrough[i]}'. Run 'homegateway-dispatch --help' for usage.");
                return UsageError;
            }
        }

        RunningDispatch running;
        try
        {
            running = await DispatchApp.StartAsync(DispatchApp.CreateBuilder(passThrough), ct);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            // Wrong settings are the operator's to fix: every problem in plain words, no stack trace.
            await stderr.WriteLineAsync("homegateway-dispatch: cannot start:");
            foreach (var failure in ex.Failures)
            {
                await stderr.WriteLineAsync("  " + failure);
            }

            return Failure;
        }

        await using (running)
        {
            // Not cancelled half-way: an admin created but never shown would lock everyone out of a new dispatch.
            await CreateFirstAdminAsync(running.Services.GetRequiredService<IDispatchStore>(), stdout, stderr, StdoutIsJournal(), CancellationToken.None);
            await running.App.WaitForShutdownAsync(ct);
        }

        return Ok;
    }

    /// <summary>
    /// With no console user at all nobody could log in, and a default password would be the same everywhere: create
    /// <c>admin</c> with a random password and say it once, on stdout only (the log and the journal never see it).
    /// A later start, or a node that loses the race to another, finds a user and says nothing. Under systemd stdout is
    /// the journal, which keeps what it is told: there it only says how to add the first admin.
    /// </summary>
    internal static async Task CreateFirstAdminAsync(IDispatchStore store, TextWriter stdout, TextWriter stderr, bool stdoutIsJournal, CancellationToken ct)
    {
        const string name = "admin";
        if (await store.HasUsersAsync(ct))
        {
            return;
        }

        if (stdoutIsJournal)
        {
            await stderr.WriteLineAsync(
                "No console user exists yet. Add the first admin with `homegateway-dispatch users add NAME --role admin` "
                + "(dispatch does not make one here: its password would be kept in the journal).");
            return;
        }

        var password = Secrets.NewPassword();
        if (!await store.AddUserAsync(name, PasswordHash.Create(password), "admin", ct))
        {
            return;
        }

        await stdout.WriteLineAsync(
            $"""
            No console user existed, so dispatch created the first one:
              user:     {name} (role admin)
              password: {password}
            This password is shown once and never again; only its hash is stored. Log in and change it, or add users with
            `homegateway-dispatch users add NAME --role admin|dispatcher|technician`.
            """);
        await stdout.FlushAsync(ct);
    }

    /// <summary>
    /// True when stdout is the systemd journal: systemd sets JOURNAL_STREAM to its socket's "device:inode", and a child
    /// whose stdout was redirected elsewhere inherits the variable, so the socket itself is compared.
    /// </summary>
    private static bool StdoutIsJournal()
    {
        var stream = Environment.GetEnvironmentVariable("JOURNAL_STREAM");
        if (string.IsNullOrEmpty(stream) || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return new FileInfo("/proc/self/fd/1").LinkTarget == $"socket:[{stream[(stream.IndexOf(':', StringComparison.Ordinal) + 1)..]}]";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static Task<int> WithStoreAsync(ParseResult parsed, IConfiguration settings, Option<string?> data, TextWriter stderr, Func<IDispatchStore, Task<int>> action) =>
        WithStoreAsync(parsed, settings, data, stderr, (store, _) => action(store));

    private static async Task<int> WithStoreAsync(ParseResult parsed, IConfiguration configuration, Option<string?> data, TextWriter stderr, Func<IDispatchStore, string, Task<int>> action)
    {
        var directory = parsed.GetValue(data) ?? configuration[$"{DispatchOptions.SectionName}:DataDirectory"];
        var storeOptions = configuration.GetSection($"{DispatchOptions.SectionName}:Store").Get<StoreOptions>() ?? new StoreOptions();
        var problems = new List<string>();
        storeOptions.Validate(problems);
        if (problems.Count > 0)
        {
            await stderr.WriteLineAsync(string.Join(Environment.NewLine, problems));
            return UsageError;
        }

        if (string.IsNullOrWhiteSpace(directory))
        {
            await stderr.WriteLineAsync("No data directory: pass --data DIR or set Dispatch__DataDirectory.");
            return UsageError;
        }

        try
        {
            PrivateFiles.CreateDirectory(directory);
            if (PrivateFiles.Tighten(directory) is { Count: > 0 } tightened)
            {
                await stderr.WriteLineAsync(
                    $"{tightened.Count} files or directories in '{directory}' were readable by others (from an older version); now owner-only.");
            }

            using var store = storeOptions.CreateStore(directory, TimeProvider.System);
            await store.MigrateAsync();
            return await action(store, directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException
            or System.Security.Cryptography.CryptographicException)
        {
            await stderr.WriteLineAsync($"Could not use the data directory '{directory}' or the store: {ex.Message}");
            return Failure;
        }
    }

    /// <summary>The settings the admin commands share with <c>run</c>: the data directory and the store.</summary>
    private static IConfigurationRoot Configuration() =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
}

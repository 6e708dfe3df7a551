using System.CommandLine;
using HomeGateway.Core.Text;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Responders;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Configuration;

namespace HomeGateway.Dispatch.Cli;

/// <summary>
/// <c>teams add|rename|remove|list</c>, <c>teams members add|remove TEAM USER</c> and <c>homes cascade show|set HOME
/// --step team:ID:MINUTES --step user:NAME:MINUTES</c>: the same rules and audit rows as the console's pages.
/// </summary>
public static partial class DispatchCommandLine
{
    private static Command AddResponderCommands(RootCommand root, IConfiguration settings, Option<string?> data, TextWriter stdout, TextWriter stderr)
    {
        var addId = new Argument<string>("TEAM") { Description = "The team's id: letters, digits, '-', '_' or '.'." };
        var addName = new Argument<string>("NAME") { Description = "The team's name as people read it (\"Night patrol north\")." };
        var add = new Command("add", "Add a team of responders.") { addId, addName, data };
        add.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var (id, name) = (parsed.GetValue(addId)!.Trim(), parsed.GetValue(addName)!.Trim());
            if ((ResponderDispatch.TeamIdProblem(id, ConsoleLanguage.English) ?? ResponderDispatch.TeamNameProblem(name, ConsoleLanguage.English)) is { } problem)
            {
                await stderr.WriteLineAsync(problem);
                return UsageError;
            }

            return await SayAsync(stderr, await store.AddTeamAsync(id, name, CommandLineActor(), ct), id, $"Added team '{id}' ({name}).");
        }));

        var renameId = new Argument<string>("TEAM") { Description = "The team's id." };
        var renameName = new Argument<string>("NAME") { Description = "The new name." };
        var rename = new Command("rename", "Rename a team (its id stays).") { renameId, renameName, data };
        rename.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var (id, name) = (parsed.GetValue(renameId)!.Trim(), parsed.GetValue(renameName)!.Trim());
            if (ResponderDispatch.TeamNameProblem(name, ConsoleLanguage.English) is { } problem)
            {
                await stderr.WriteLineAsync(problem);
                return UsageError;
            }

            return await SayAsync(stderr, await store.RenameTeamAsync(id, name, CommandLineActor(), ct), id, $"Team '{id}' is now named '{name}'.");
        }));

        var removeId = new Argument<string>("TEAM") { Description = "The team's id." };
        var remove = new Command("remove", "Remove a team (refused while a request to it is open or a home's cascade names it).") { removeId, data };
        remove.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var id = parsed.GetValue(removeId)!.Trim();
            return await SayAsync(stderr, await store.RemoveTeamAsync(id, CommandLineActor(), ct), id, $"Removed team '{id}'.");
        }));

        var list = new Command("list", "List the teams: id, name, members.") { data };
        list.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            await stdout.WriteLineAsync($"{"TEAM",-20} {"NAME",-30} MEMBERS");
            foreach (var team in await store.ListTeamsAsync(ct))
            {
                await stdout.WriteLineAsync($"{team.TeamId,-20} {PeerText.Escape(team.Name),-30} {string.Join(", ", team.Members)}");
            }

            return Ok;
        }));

        var memberTeam = new Argument<string>("TEAM") { Description = "The team's id." };
        var memberUser = new Argument<string>("USER") { Description = "A user with the role responder." };
        var memberAdd = new Command("add", "Put a responder in a team.") { memberTeam, memberUser, data };
        memberAdd.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var (team, user) = (parsed.GetValue(memberTeam)!.Trim(), parsed.GetValue(memberUser)!.Trim());
            return await SayAsync(stderr, await store.AddTeamMemberAsync(team, user, CommandLineActor(), ct), team, $"'{user}' is now in team '{team}'.", user);
        }));
        var memberRemoveTeam = new Argument<string>("TEAM") { Description = "The team's id." };
        var memberRemoveUser = new Argument<string>("USER") { Description = "The member's user name." };
        var memberRemove = new Command("remove", "Take a responder off a team.") { memberRemoveTeam, memberRemoveUser, data };
        memberRemove.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var (team, user) = (parsed.GetValue(memberRemoveTeam)!.Trim(), parsed.GetValue(memberRemoveUser)!.Trim());
            return await SayAsync(stderr, await store.RemoveTeamMemberAsync(team, user, CommandLineActor(), ct), team,
                $"'{user}' is no longer in team '{team}'.", user);
        }));

        root.Subcommands.Add(new Command("teams", "Teams of responders (a home-care night patrol, a guard company's shift).")
        {
            add, rename, remove, list, new Command("members", "A team's members.") { memberAdd, memberRemove },
        });

        var showHome = new Argument<string>("HOME") { Description = "The home's id." };
        var show = new Command("show", "Show the home's cascade: whom to ask, in order, and the minutes each has to accept.") { showHome, data };
        show.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var home = parsed.GetValue(showHome)!.Trim();
            if (await store.FindHomeAsync(home, ct) is null)
            {
                await stderr.WriteLineAsync($"No home '{PeerText.Escape(home)}'.");
                return Failure;
            }

            var steps = await store.GetCascadeAsync(home, ct);
            if (steps.Count == 0)
            {
                await stderr.WriteLineAsync($"Home '{home}' has no cascade.");
            }

            for (var i = 0; i < steps.Count; i++)
            {
                await stdout.WriteLineAsync($"{i + 1}. {steps[i]}");
            }

            return Ok;
        }));

        var setHome = new Argument<string>("HOME") { Description = "The home's id." };
        var stepOption = new Option<string[]>("--step")
        {
            Description = "A step, in order: team:ID:MINUTES or user:NAME:MINUTES (MINUTES 1-120, default 10). No --step clears the cascade.",
            AllowMultipleArgumentsPerToken = false,
        };
        var set = new Command("set", "Replace the home's cascade.") { setHome, stepOption, data };
        set.SetAction((parsed, ct) => WithStoreAsync(parsed, settings, data, stderr, async store =>
        {
            var home = parsed.GetValue(setHome)!.Trim();
            var steps = new List<CascadeStep>();
            foreach (var text in parsed.GetValue(stepOption) ?? [])
            {
                var cut = text.LastIndexOf(':');
                var hasMinutes = cut > 5 && text[(cut + 1)..].All(char.IsAsciiDigit) && cut < text.Length - 1;
                var step = DispatcherConsole.ConsoleTeams.ParseStep(hasMinutes ? text[..cut] : text,
                    hasMinutes ? text[(cut + 1)..] : CascadeStep.DefaultAcceptMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var problem = step is null
                    ? "Write each step as team:ID:MINUTES or user:NAME:MINUTES."
                    : await ResponderDispatch.StepProblemAsync(store, step, ConsoleLanguage.English, ct);
                if (problem is not null)
                {
                    await stderr.WriteLineAsync($"--step '{PeerText.Escape(text)}': {problem} Nothing changed.");
                    return UsageError;
                }

                steps.Add(step!);
            }

            if (steps.Count > ResponderDispatch.MaxCascadeSteps)
            {
                await stderr.WriteLineAsync($"A cascade has at most {ResponderDispatch.MaxCascadeSteps} steps. Nothing changed.");
                return UsageError;
            }

            if (!await store.SetCascadeAsync(home, steps, CommandLineActor(), ct))
            {
                await stderr.WriteLineAsync($"No home '{PeerText.Escape(home)}'; nothing changed.");
                return Failure;
            }

            await stderr.WriteLineAsync(steps.Count == 0 ? $"Home '{home}' has no cascade now." : $"Home '{home}': {string.Join(" → ", steps)}.");
            return Ok;
        }));

        // Under "homes" with the client record's commands (HomesCommand).
        return new Command("cascade", "Whom to ask, in order, when help must go to the home.") { show, set };
    }

    private static async Task<int> SayAsync(TextWriter stderr, TeamChangeResult result, string team, string done, string user = "")
    {
        var (text, code) = result switch
        {
            TeamChangeResult.Done => (done, Ok),
            TeamChangeResult.Unchanged => ($"Team '{team}': it already was so; nothing changed.", Ok),
            TeamChangeResult.NotFound => ($"No team '{PeerText.Escape(team)}'; nothing changed.", Failure),
            TeamChangeResult.Exists => ($"A team '{team}' already exists; nothing changed.", Failure),
            TeamChangeResult.NotAResponder => ($"'{PeerText.Escape(user)}' is not a user with the role responder; nothing changed.", Failure),
            TeamChangeResult.OpenRequest => ($"Team '{team}' has an open request; nothing changed.", Failure),
            _ => ($"Team '{team}' is in a home's cascade; take it out first. Nothing changed.", Failure),
        };
        await stderr.WriteLineAsync(text);
        return code;
    }
}

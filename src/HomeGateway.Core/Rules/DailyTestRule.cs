using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Once a day at <c>at</c> (home-local, through <see cref="HomeTime"/>: late by the gap on the spring-forward day,
/// once on the fall-back day) a low-priority <see cref="AlertType.DailyTest"/> alert for the sensor id
/// <c>gateway</c> is raised, so dispatch sees every day that the whole path from this home works — the telecare
/// practice of a daily silent test call. Each day's test is a new alert (its id carries the day's instant); it is
/// never cleared by the device (dispatch files it) and never escalates (only critical alerts do). The first test
/// is the first <c>at</c> strictly after the engine started. After a long outage only the latest missed test is
/// sent, stamped with its own time: a burst of stale tests proves nothing. A technician's <c>homegateway test-alarm</c>
/// journals a <c>gateway</c> event in state <see cref="TestRequestedState"/>: it raises the same alert at once, through
/// the same path, so the technician sees the home's alarm arrive at dispatch before leaving.
/// </summary>
public sealed class DailyTestRule(DailyTestRuleConfig config) : Rule
{
    public const string SensorId = "gateway";

    /// <summary>The state of the <c>gateway</c> event that asks for a test alarm now.</summary>
    public const string TestRequestedState = "test_requested";

    internal sealed record State(DateTimeOffset Next);

    // Null until the engine first advances: the first test is timed from its start, which only the context knows.
    private DateTimeOffset? next;

    public override string Key => "dailyTest";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        Arm(context);
        if (e.SensorId == SensorId && e.State == TestRequestedState)
        {
            output.Add(new AlertEvent(AlertIds.Create(AlertType.DailyTest, SensorId, e.At), AlertEventKind.Raised, AlertType.DailyTest,
                AlertPriority.Low, context.HomeId, SensorId, context.Now, e.At, 1,
                $"Test alarm asked for by the technician ({context.Clock.ToLocal(e.At):yyyy-MM-dd HH:mm}): the alarm path from this home works"));
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        Arm(context);
        if (next is not { } due || due > context.Now)
        {
            return;
        }

        for (var later = context.Clock.Next(config.At, due); later <= context.Now; later = context.Clock.Next(config.At, due))
        {
            due = later;
        }

        output.Add(new AlertEvent(AlertIds.Create(AlertType.DailyTest, SensorId, due), AlertEventKind.Raised, AlertType.DailyTest,
            AlertPriority.Low, context.HomeId, SensorId, due, due, 1,
            $"Daily test alarm ({context.Clock.ToLocal(due):yyyy-MM-dd HH:mm}): the alarm path from this home works"));
        next = context.Clock.Next(config.At, due);
    }

    public override DateTimeOffset? NextDeadline => next ?? DateTimeOffset.MinValue;

    public override object? SaveState() => next is { } n ? new State(n) : null;

    public override void RestoreState(JsonElement state, RuleContext context) =>
        next = RuleStateJson.Read<State>(state)?.Next;

    private void Arm(RuleContext context) => next ??= context.Clock.Next(config.At, context.StartedAt);
}

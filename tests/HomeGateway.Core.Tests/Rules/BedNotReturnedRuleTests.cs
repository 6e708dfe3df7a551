using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using static HomeGateway.Core.Tests.Rules.TimeWindowTestHome;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Bed not returned: an occupied bed that empties at night and stays empty for `after` raises exactly then, while still night.</summary>
public class BedNotReturnedRuleTests
{
    private static readonly RulesConfig Rules = new()
    {
        BedNotReturned = new BedNotReturnedRuleConfig { Bed = "bed", After = TimeSpan.FromMinutes(30) },
    };

    private readonly TimeWindowTestHome home = new(Rules, Local(2026, 11, 25, 21, 0));

    [Fact]
    public void Out_of_bed_at_night_and_not_back_raises_one_high_alert_exactly_at_emptied_plus_after()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        Assert.Empty(home.Send("bed", SensorStates.Empty));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1)));

        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.BedNotReturned, AlertPriority.High, "bed"), (alert.Kind, alert.Type, alert.Priority, alert.SensorId));
        Assert.Equal(Local(2026, 11, 26, 2, 30), alert.At);
        Assert.Equal(Local(2026, 11, 26, 2, 0), alert.EvidenceAt);
        Assert.Equal([2L], alert.EvidenceSeqs);
        Assert.Empty(home.Wait(TimeSpan.FromHours(3)));

        var cleared = Assert.Single(home.Send("bed", SensorStates.Occupied));
        Assert.Equal((AlertEventKind.Cleared, alert.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void Back_in_bed_one_second_before_the_limit_raises_nothing()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("bed", SensorStates.Empty);
        home.Wait(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Empty(home.Send("bed", SensorStates.Occupied));
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void Back_in_bed_exactly_at_the_limit_or_a_second_later_is_raised_then_cleared()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("bed", SensorStates.Empty);
        home.Wait(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        home.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([AlertEventKind.Raised, AlertEventKind.Cleared], home.Send("bed", SensorStates.Occupied).Select(s => s.Kind));

        home.WaitUntil(Local(2026, 11, 26, 3, 0));
        home.Send("bed", SensorStates.Empty);
        Assert.Single(home.Wait(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1)));
        Assert.Equal(AlertEventKind.Cleared, Assert.Single(home.Send("bed", SensorStates.Occupied)).Kind);
    }

    [Fact]
    public void An_empty_bed_when_the_night_begins_does_not_count_until_the_client_has_been_in_bed()
    {
        home.Send("bed", SensorStates.Empty);
        home.WaitUntil(Local(2026, 11, 25, 22, 30));
        Assert.Empty(home.Send("bed", SensorStates.Empty));
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));

        home.Send("bed", SensorStates.Occupied);
        home.Wait(TimeSpan.FromHours(1));
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Local(2026, 11, 26, 1, 0), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At);
    }

    [Fact]
    public void An_empty_report_whose_previous_state_was_never_seen_does_not_count()
    {
        home.WaitUntil(Local(2026, 11, 26, 1, 0));
        home.Send("bed", SensorStates.Empty);
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_repeated_empty_report_does_not_restart_the_timer()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("bed", SensorStates.Empty);
        home.Wait(TimeSpan.FromMinutes(20));
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Local(2026, 11, 26, 2, 30), Assert.Single(home.Wait(TimeSpan.FromMinutes(30))).At);
    }

    [Fact]
    public void Getting_up_at_21_59_59_is_evening_at_22_00_00_it_is_night()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 25, 21, 59, 59));
        home.Send("bed", SensorStates.Empty);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));

        var night = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 21, 0));
        night.Send("bed", SensorStates.Occupied);
        night.WaitUntil(Local(2026, 11, 25, 22, 0));
        night.Send("bed", SensorStates.Empty);
        Assert.Equal(Local(2026, 11, 25, 22, 30), Assert.Single(night.Wait(TimeSpan.FromHours(1))).At);
    }

    [Fact]
    public void Only_an_alert_due_before_the_night_ends_is_raised_later_getting_up_is_the_morning()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 5, 59, 59));
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Local(2026, 11, 26, 6, 29, 59), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At);

        foreach (var up in new[] { Local(2026, 11, 26, 6, 0), Local(2026, 11, 26, 6, 29, 59) })
        {
            var morning = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 21, 0));
            morning.Send("bed", SensorStates.Occupied);
            morning.WaitUntil(up);
            morning.Send("bed", SensorStates.Empty);
            Assert.Empty(morning.Wait(TimeSpan.FromHours(2)));
        }
    }

    [Fact]
    public void Across_midnight_the_alert_falls_after_midnight()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 25, 23, 45));
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Local(2026, 11, 26, 0, 15), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At);
    }

    [Fact]
    public void Without_a_named_bed_each_bed_is_watched_on_its_own()
    {
        var both = new TimeWindowTestHome(new RulesConfig { BedNotReturned = new BedNotReturnedRuleConfig() }, Local(2026, 11, 25, 21, 0));
        both.Send("bed", SensorStates.Occupied);
        both.Send("guest_bed", SensorStates.Occupied);
        both.WaitUntil(Local(2026, 11, 26, 2, 0));
        both.Send("guest_bed", SensorStates.Empty);
        both.Wait(TimeSpan.FromMinutes(10));
        both.Send("bed", SensorStates.Empty);
        var steps = both.Wait(TimeSpan.FromHours(1));
        Assert.Equal([("guest_bed", Local(2026, 11, 26, 2, 30)), ("bed", Local(2026, 11, 26, 2, 40))], steps.Select(s => (s.SensorId, s.At)));

        // The named bed only: the guest bed is not watched.
        home.Send("guest_bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("guest_bed", SensorStates.Empty);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void A_carer_visit_holds_the_timer_and_check_out_starts_it_again()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("bed", SensorStates.Empty);
        home.Wait(TimeSpan.FromMinutes(20));
        home.CheckIn();
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(40)));
        home.CheckOut();
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1)));
        Assert.Equal(Local(2026, 11, 26, 3, 30), Assert.Single(home.Wait(TimeSpan.FromSeconds(1))).At);
    }

    [Fact]
    public void Back_in_bed_before_check_out_raises_nothing_after_it()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.CheckIn();
        home.Send("bed", SensorStates.Empty);
        home.Wait(TimeSpan.FromMinutes(45));
        home.Send("bed", SensorStates.Occupied);
        home.CheckOut();
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_restart_in_the_middle_of_the_timer_raises_the_same_alert_at_the_same_instant()
    {
        var uninterrupted = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 21, 0));
        uninterrupted.Send("bed", SensorStates.Occupied);
        uninterrupted.WaitUntil(Local(2026, 11, 26, 2, 0));
        uninterrupted.Send("bed", SensorStates.Empty);
        var expected = Assert.Single(uninterrupted.Wait(TimeSpan.FromHours(1)));

        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("bed", SensorStates.Empty);
        home.Wait(TimeSpan.FromMinutes(12));
        home.Restart();
        AssertSameStep(expected, Assert.Single(home.Wait(TimeSpan.FromMinutes(48))));
    }

    [Fact]
    public void A_restart_remembers_the_client_went_to_bed_before_it()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 1, 0));
        home.Restart();
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Local(2026, 11, 26, 1, 30), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At);
    }

    [Fact]
    public void A_restart_with_the_bed_removed_from_the_home_file_forgets_it()
    {
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Local(2026, 11, 26, 2, 0));
        home.Send("bed", SensorStates.Empty);
        var changed = home.Home with
        {
            Sensors = [.. home.Home.Sensors.Where(s => s.Id != "bed")],
            Rules = home.Home.Rules with { BedNotReturned = new BedNotReturnedRuleConfig() },
        };
        home.Restart(changed);
        Assert.Null(home.Engine.NextDeadline);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }
}

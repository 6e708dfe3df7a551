using HomeGateway.Benchmarks.Suite.StorageWrites;

namespace HomeGateway.Benchmarks.Tests;

/// <summary>The storage-writes figures are only as right as the /proc parsing and the day's arithmetic under them.</summary>
public class StorageWritesTests
{
    private const string ProcIo = """
        rchar: 7113
        wchar: 52000
        syscr: 12
        syscw: 40
        read_bytes: 0
        write_bytes: 81920
        cancelled_write_bytes: 4096

        """;

    [Fact]
    public void Proc_pid_io_is_read_by_name()
    {
        var io = ProcessIo.Parse(ProcIo);

        Assert.Equal(52000, io.Wchar);
        Assert.Equal(40, io.WriteSyscalls);
        Assert.Equal(81920, io.WriteBytes);
        Assert.Equal(4096, io.CancelledWriteBytes);
        Assert.Equal(77824, io.DeviceBytes);
    }

    [Fact]
    public void A_kernel_without_io_accounting_is_an_error_not_a_zero()
    {
        Assert.Throws<FormatException>(() => ProcessIo.Parse("rchar: 1\nwchar: 2\nsyscw: 3\n"));
    }

    [Fact]
    public void The_difference_of_two_readings_is_per_counter()
    {
        var before = ProcessIo.Parse(ProcIo);
        var after = before with { Wchar = 60000, WriteBytes = 90112, WriteSyscalls = 45 };

        var delta = after - before;

        Assert.Equal(new ProcessIo(8000, 5, 8192, 0), delta);
    }

    [Fact]
    public void A_day_is_its_busy_hours_of_events_on_top_of_the_background_all_day()
    {
        // 100 events in 10 s wrote 1,010,000 bytes; the quiet stretch wrote 1,000 bytes a second.
        var day = new StorageProjection(Events: 100, ReplayBytes: 1_010_000, ReplayTime: TimeSpan.FromSeconds(10),
            IdleBytes: 60_000, IdleTime: TimeSpan.FromSeconds(60), EventsPerBusyHour: 1000, BusyHours: 16).Validate();

        Assert.Equal(1000, day.IdleBytesPerSecond);
        // The replay's 10 s of background (10,000 bytes) is not the events' doing.
        Assert.Equal(10_000, day.BytesPerEvent);
        Assert.Equal(3_600_000, day.IdleBytesPerHour);
        Assert.Equal(1000 * 10_000 + 3_600_000, day.BusyHourBytes);
        Assert.Equal(16 * 13_600_000 + 8 * 3_600_000, day.BytesPerDay);
        Assert.Equal(246.4, day.MegabytesPerDay, 6);
    }

    [Fact]
    public void A_replay_quieter_than_the_background_costs_nothing_per_event_rather_than_less_than_nothing()
    {
        var day = new StorageProjection(10, 0, TimeSpan.FromSeconds(10), 10_000, TimeSpan.FromSeconds(10), 100, 24);

        Assert.Equal(0, day.BytesPerEvent);
        Assert.Equal(24 * 3_600_000 / 1e6, day.MegabytesPerDay, 6);
    }

    [Fact]
    public void Busy_hours_beyond_a_day_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageProjection(1, 1, TimeSpan.FromSeconds(1), 1, TimeSpan.FromSeconds(1), 1, 25).Validate());
    }

    [Fact]
    public void The_filesystem_is_the_longest_mount_point_above_the_path()
    {
        const string mounts = """
            /dev/vda / ext4 rw,relatime 0 0
            tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
            /dev/sda1 /srv/data xfs rw 0 0
            """;

        Assert.StartsWith("ext4 (/dev/vda on /)", Filesystem.Describe("/srv/homegateway/artifacts", mounts), StringComparison.Ordinal);
        Assert.StartsWith("tmpfs", Filesystem.Describe("/dev/shm/homegateway", mounts), StringComparison.Ordinal);
        Assert.StartsWith("xfs", Filesystem.Describe("/srv/data/journal", mounts), StringComparison.Ordinal);
        Assert.StartsWith("ext4", Filesystem.Describe("/srv/database", mounts), StringComparison.Ordinal);
    }
}

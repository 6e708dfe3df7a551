using HomeGateway.Contracts.V1;
using HomeGateway.Core.Configuration;

namespace HomeGateway.Gateway.Uplink;

/// <summary>The home file as dispatch's console needs it: the time zone and each sensor's id, kind, name and place.</summary>
internal static class HomeProfiles
{
    public static HomeProfile From(HomeConfig home)
    {
        var profile = new HomeProfile { TimeZone = home.TimeZoneId };
        foreach (var sensor in home.Sensors)
        {
            profile.Sensors.Add(new SensorProfile
            {
                SensorId = sensor.Id,
                Kind = (SensorKind)(int)sensor.Kind,
                Name = sensor.Name ?? "",
                Location = sensor.Location ?? "",
            });
        }

        return profile;
    }
}

namespace HomeGateway.Core.Events;

/// <summary>What a sensor measures. Persisted and sent on the wire: values never change.</summary>
public enum SensorKind
{
    Unknown = 0,
    Door = 1,
    Motion = 2,
    Presence = 3,
    Bed = 4,
    Chair = 5,
    Fall = 6,
    HelpButton = 7,
    Medication = 8,
    Smoke = 9,
    WaterLeak = 10,
    Temperature = 11,
    Tamper = 12,
    Availability = 13,
    Visit = 14,
    Gas = 15,
    CarbonMonoxide = 16,

    /// <summary>The home's mains power as a UPS reports it (states mains_lost / mains_restored).</summary>
    Power = 17,
}

using System.Globalization;
using HomeGateway.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace HomeGateway.Gateway.Configuration;

/// <summary>A sensor's <c>i2c:</c> block: <c>{ bus: 1, address: 0x76, chip: bme280, every: 60s }</c>, plus a UPS's battery settings.</summary>
public static partial class HomeConfigLoader
{
    private static readonly string[] I2cKeys =
        ["bus", "address", "chip", "every", "shunt", "onBatteryAboveMa", "batteryFull", "batteryEmpty", "batteryLowBelow", "capacityMah"];

    private static readonly string[] BatteryKeys = I2cKeys[4..];

    private sealed partial class Reader
    {
        private I2cInputConfig? ReadI2c(YamlNode node, string at)
        {
            if (Expect<YamlMappingNode>(node, at) is not { } mapping)
            {
                return null;
            }

            var map = Mapping(mapping, at, I2cKeys);
            var bus = RequiredInt(map, "bus", $"{at}.bus");
            var address = map.ContainsKey("address") ? OptionalAddress(map, $"{at}.address") : Missing<int?>($"{at}.address");
            var chip = RequiredString(map, "chip", $"{at}.chip");
            var every = OptionalDuration(map, "every", $"{at}.every");
            UpsBatteryConfig? battery = null;
            if (BatteryKeys.Any(map.ContainsKey))
            {
                var defaults = new UpsBatteryConfig();
                battery = new UpsBatteryConfig
                {
                    ShuntOhms = OptionalNumber(map, "shunt", $"{at}.shunt") ?? defaults.ShuntOhms,
                    OnBatteryAboveMilliamps = OptionalNumber(map, "onBatteryAboveMa", $"{at}.onBatteryAboveMa") ?? defaults.OnBatteryAboveMilliamps,
                    FullVolts = OptionalNumber(map, "batteryFull", $"{at}.batteryFull") ?? defaults.FullVolts,
                    EmptyVolts = OptionalNumber(map, "batteryEmpty", $"{at}.batteryEmpty") ?? defaults.EmptyVolts,
                    LowBelowVolts = OptionalNumber(map, "batteryLowBelow", $"{at}.batteryLowBelow") ?? defaults.LowBelowVolts,
                    CapacityMilliampHours = OptionalInt(map, "capacityMah", $"{at}.capacityMah"),
                };
            }

            if (bus is null || address is null || chip is null)
            {
                return null;
            }

            return new I2cInputConfig(bus.Value, address.Value, chip)
            {
                Every = every ?? new I2cInputConfig(0, 0, chip).Every,
                Battery = battery,
            };
        }

        /// <summary>
        /// An address as i2cdetect prints it: <c>0x76</c>. Plain <c>76</c> is refused: i2cdetect's table shows hex without the
        /// 0x, and 76 read as decimal would be another chip (0x4c).
        /// </summary>
        private int? OptionalAddress(Dictionary<string, YamlNode> map, string field)
        {
            if (OptionalString(map, "address", field) is not { } text)
            {
                return null;
            }

            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && text.Length is 3 or 4 && int.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return hex;
            }

            Add(field, $"'{text}' is not an I2C address; write it as i2cdetect shows it, e.g. 0x76", map["address"]);
            return null;
        }

        private double? OptionalNumber(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            if (!double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value))
            {
                Add(field, $"'{text}' is not a number; write it with a decimal point, e.g. 0.1 or 8.4", map[key]);
                return null;
            }

            return value;
        }
    }
}

using HomeGateway.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace HomeGateway.Gateway.Configuration;

public static partial class HomeConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary>The keys under <c>rules</c> read here.</summary>
        private static readonly string[] SafetyRuleKeys = [];

        /// <summary>Reads the safety and device rules (missedDose, smoke, waterLeak, temperature, sensorOffline, batteryLow, tamper, dailyTest) into <paramref name="rules"/>.</summary>
        partial void ReadSafetyRules(Dictionary<string, YamlNode> map, ref RulesConfig rules);
    }
}

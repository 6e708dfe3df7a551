using HomeGateway.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace HomeGateway.Gateway.Configuration;

public static partial class HomeConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary>The keys under <c>rules</c> read here.</summary>
        private static readonly string[] TimeWindowRuleKeys = [];

        /// <summary>Reads the night/day rules (nightExit, inactivity, bedNotReturned) into <paramref name="rules"/>.</summary>
        partial void ReadTimeWindowRules(Dictionary<string, YamlNode> map, ref RulesConfig rules);
    }
}

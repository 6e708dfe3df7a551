using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Grpc.Core;
using HomeGateway.Contracts.DispatchApiV1;

namespace HomeGateway.Dispatch.IntegrationApi;

/// <summary>
/// ListAlerts' page token (AIP-158): opaque to callers, here the position of the next row and the status filter it
/// belongs to, so a token cannot be replayed against another filter. Not a secret: it only says where a list goes on.
/// </summary>
internal static class AlertPageToken
{
    private const string Version = "p1";

    public static string Write(int offset, AlertStatusFilter status) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}:{(int)status}:{offset}")));

    /// <summary>The row the page starts at (0 for an empty token), or INVALID_ARGUMENT.</summary>
    public static int Read(string token, AlertStatusFilter status)
    {
        if (token.Length == 0)
        {
            return 0;
        }

        string[] parts;
        try
        {
            parts = token.Length > 64 ? [] : Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token)).Split(':');
        }
        catch (FormatException)
        {
            parts = [];
        }

        if (parts.Length != 3 || parts[0] != Version
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var filter)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not one ListAlerts gave."));
        }

        if (filter != (int)status)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token belongs to a list with another status filter."));
        }

        return offset;
    }
}

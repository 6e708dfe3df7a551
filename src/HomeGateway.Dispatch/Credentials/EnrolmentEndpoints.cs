using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// <c>POST /enroll</c> on the gateway endpoint (TLS, no client certificate yet): a one-time enrolment token and a
/// PKCS#10 request in, the gateway's certificate and the CA certificate out. The token is the authentication.
/// </summary>
internal static class EnrolmentEndpoints
{
    public const string Path = "/enroll";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapEnrolment(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, EnrolAsync).AllowAnonymous().DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> EnrolAsync(HttpContext http, GatewayEnrolment enrolment, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("HomeGateway.Dispatch.Enrolment");
        var peer = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        EnrolmentRequestJson? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<EnrolmentRequestJson>(http.Request.Body, Json, http.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }

        try
        {
            if (request is not { Token.Length: > 0, Csr.Length: > 0 })
            {
                throw new EnrolmentRefusedException(EnrolmentRefusal.BadRequest,
                    "The body must be JSON: {\"token\": \"...\", \"csr\": \"-----BEGIN CERTIFICATE REQUEST-----...\"}.");
            }

            var enrolled = await enrolment.EnrolAsync(request.Token, request.Csr, http.RequestAborted);
            CredentialsLog.Enrolled(logger, enrolled.GatewayId, enrolled.Serial, enrolled.NotAfter);
            return TypedResults.Json(new EnrolmentResponseJson(enrolled.GatewayId, enrolled.HomeId, enrolled.CertificatePem, enrolled.CaCertificatePem), Json);
        }
        catch (EnrolmentRefusedException refused)
        {
            CredentialsLog.EnrolmentRefused(logger, peer, refused.Reason, refused.Message);
            var status = refused.Reason switch
            {
                EnrolmentRefusal.BadRequest => StatusCodes.Status400BadRequest,
                EnrolmentRefusal.WrongGateway => StatusCodes.Status403Forbidden,
                _ => StatusCodes.Status401Unauthorized,
            };
            return TypedResults.Json(new EnrolmentErrorJson(refused.Message, refused.Reason.ToString()), Json, statusCode: status);
        }
    }
}

internal sealed record EnrolmentRequestJson(string? Token, string? Csr);

internal sealed record EnrolmentResponseJson(string GatewayId, string HomeId, string Certificate, string CaCertificate);

internal sealed record EnrolmentErrorJson(string Error, string Reason);

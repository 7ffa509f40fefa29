using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.Functions.OpenApi;

namespace Rancher.Cloud.Functions;

/// <summary>
/// The API's OpenAPI document.
/// GET api/v1/openapi.json
/// </summary>
public sealed class OpenApiApi
{
    [Function(nameof(OpenApiDescription))]
    [Access(Audience.Anonymous)]
    [Operation("This document: the HTTP API as OpenAPI 3.1", ContentType = "application/json")]
    public IResult OpenApiDescription(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/openapi.json")] HttpRequest req) =>
        Results.Text(OpenApiDocument.Json, "application/json");
}

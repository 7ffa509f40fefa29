using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.ControlPlane;

/// <summary>Registers the control plane's services; both hosts (Functions and self-host) call this.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>The storage connection setting, shared with the Functions queue trigger.</summary>
    public const string StorageSetting = "AzureWebJobsStorage";

    public static IServiceCollection AddControlPlane(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ControlPlaneOptions>(configuration.GetSection(ControlPlaneOptions.Section));
        services.PostConfigure<ControlPlaneOptions>(o =>
        {
            // The documented environment variable wins over configuration files.
            if (configuration["RANCHER_CLOUD_ADMIN_KEY"] is { Length: > 0 } key)
            {
                o.AdminKey = key;
            }
        });
        var storage = configuration[StorageSetting]
            ?? throw new InvalidOperationException($"The '{StorageSetting}' setting (storage connection string) is required.");
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new TableServiceClient(storage));
        services.AddSingleton(new Azure.Storage.Blobs.BlobServiceClient(storage));
        services.AddSingleton(new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
        services.AddSingleton<Tables>();
        services.AddSingleton<IIdGenerator, RandomIds>();
        services.AddSingleton(Scheduler.Default);
        services.AddSingleton(EnvironmentState.Budget);
        services.AddSingleton<ReconcilePlanner>();
        services.AddSingleton<EnvironmentState>();
        services.AddSingleton<ReconcileQueue>();
        services.AddSingleton<Wakeups>();
        services.AddSingleton<SettledEnvironments>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<HostCredentials>();
        services.AddSingleton<RequestGate>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<TenantsService>();
        services.AddSingleton<MembersService>();
        services.AddSingleton<ApiKeysService>();
        services.AddSingleton<EnvironmentsService>();
        services.AddSingleton<HostsService>();
        services.AddSingleton<ServicesService>();
        services.AddSingleton<ClonesService>();
        services.AddSingleton<StacksService>();
        services.AddSingleton<PolicyService>();
        services.AddSingleton<Tenancy.TenantDataKeys>();
        services.AddSingleton<Certificates.CertificatesService>();
        services.AddSingleton<Events.EventsService>();
        services.AddSingleton<Volumes.BackupStore>();
        services.AddSingleton<Volumes.BackupDataKeys>();
        services.AddSingleton<Volumes.BackupSweep>();
        services.AddSingleton<Volumes.VolumeCatalog>();
        services.AddSingleton<Volumes.VolumesService>();
        services.AddSingleton<Volumes.BackupSchedulesService>();
        services.AddSingleton<Volumes.VolumeTasksService>();
        services.AddSingleton<Acme.AcmeQueue>();
        services.AddSingleton<Acme.AcmeAccounts>();
        services.AddSingleton<Acme.Dehydrated>();
        services.AddSingleton<Acme.ChallengeCheck>();
        services.AddSingleton<Acme.AcmeOrders>();
        services.AddSingleton<RegistrationService>();
        services.AddSingleton<AgentService>();
        services.AddSingleton<AgentDownloads>();
        services.AddSingleton<RegistrationTokens>();
        services.AddSingleton<IAgentSignals>(sp =>
        {
            var options = configuration.GetSection(ControlPlaneOptions.Section).Get<ControlPlaneOptions>() ?? new ControlPlaneOptions();
            var clock = sp.GetRequiredService<TimeProvider>();
            return options.Signals switch
            {
                "serviceBus" => new ServiceBusSignals(options.ServiceBusConnection, options.ServiceBusAgentListenConnection, clock, sp.GetRequiredService<ILogger<ServiceBusSignals>>()),
                "storageQueue" => new StorageQueueSignals(sp.GetRequiredService<QueueServiceClient>(), options.AgentQueueEndpoint, clock, sp.GetRequiredService<ILogger<StorageQueueSignals>>()),
                var other => throw new InvalidOperationException($"RancherCloud:Signals must be 'storageQueue' or 'serviceBus', not '{other}'."),
            };
        });
        services.AddHostedService<StorageBootstrap>();
        return services;
    }

    /// <summary>Creates tables and the internal queues before the host serves anything.</summary>
    private sealed class StorageBootstrap(Tables tables, ReconcileQueue queue, Acme.AcmeQueue acme) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await tables.EnsureCreatedAsync(cancellationToken);
            await queue.EnsureCreatedAsync(cancellationToken);
            await acme.EnsureCreatedAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

public sealed class ComposeReaderTests
{
    private static StackDefinition Read(string yaml, Dictionary<string, string>? variables = null)
    {
        var outcome = ComposeReader.Read("shop", yaml, variables);
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Failure?.Fields?.ToDictionary().Select(e => $"{e.Key}: {string.Join("; ", e.Value)}") ?? []));
        return outcome.Value!;
    }

    private static IReadOnlyDictionary<string, string[]> Refuse(string yaml)
    {
        var outcome = ComposeReader.Read("shop", yaml, null);
        Assert.False(outcome.Succeeded);
        return outcome.Failure!.Fields!.ToDictionary();
    }

    [Fact]
    public void Environment_lists_and_maps_ports_short_and_long_and_replicas_are_read()
    {
        var stack = Read("""
            services:
              web:
                image: nginx:1.27
                environment:
                  - MODE=prod
                  - EMPTY=
                ports:
                  - "8080:80"
                  - 5353:53/udp
                  - target: 443
                    published: 8443
                deploy:
                  replicas: 3
                  resources:
                    limits: { cpus: "0.5", memory: 256m }
                    reservations: { memory: 128m }
              db:
                image: postgres
                environment: { POSTGRES_DB: shop }
            """);

        var web = stack.Services[0];
        Assert.Equal(3, web.Scale);
        Assert.Equal("prod", web.Spec.Environment["MODE"]);
        Assert.Equal("", web.Spec.Environment["EMPTY"]);
        Assert.Equal([new PortMapping(8080, 80, "tcp"), new PortMapping(5353, 53, "udp"), new PortMapping(8443, 443, "tcp")], web.Spec.Ports);
        Assert.Equal(new ResourceLimits(500, 256L << 20), web.Spec.Limits);
        Assert.Equal(new Reservation(0, 128L << 20), web.Spec.Scheduling.Reservation);
        Assert.Equal("shop", web.Spec.Stack);
        Assert.Equal("shop/web", web.Spec.QualifiedName);
        Assert.Equal("shop", stack.Services[1].Spec.Environment["POSTGRES_DB"]);
    }

    [Fact]
    public void A_bad_port_is_refused_with_its_path_and_line()
    {
        var errors = Refuse("""
            services:
              web:
                image: nginx
                ports:
                  - "80:80"
                  - "70000:80"
            """);

        Assert.Equal(["line 6: must be between 1 and 65535"], errors["services.web.ports[1].published"]);
    }

    [Fact]
    public void Unknown_keys_are_refused_by_name_and_line_and_harmless_ones_are_listed_as_ignored()
    {
        var errors = Refuse("""
            services:
              web:
                image: nginx
                runtime: runc
            """);
        Assert.Equal(["line 4: 'runtime' is not supported for services"], errors["services.web.runtime"]);

        var stack = Read("""
            version: "3.8"
            services:
              web:
                image: nginx
                container_name: front
            """);
        Assert.Equal(2, stack.Ignored.Count);
        Assert.Contains(stack.Ignored, i => i.StartsWith("services.web.container_name (line 5)", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_yaml_names_its_line()
    {
        var errors = Refuse("services:\n  web:\n    image: [nginx\n");
        Assert.Matches("^line [0-9]+, column [0-9]+: not valid YAML", Assert.Single(errors["compose"]));
    }

    [Fact]
    public void Dependencies_must_exist_and_must_not_form_a_cycle()
    {
        var missing = Refuse("""
            services:
              web:
                image: nginx
                depends_on: [api]
            """);
        Assert.Equal(["line 4: 'api' is not a service of this file"], missing["services.web.depends_on"]);

        var cycle = Refuse("""
            services:
              a:
                image: nginx
                depends_on: [b]
              b:
                image: nginx
                depends_on:
                  a:
                    condition: service_healthy
            """);
        Assert.Contains("a -> b -> a", Assert.Single(cycle["services.a.depends_on"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_are_interpolated_and_dollar_signs_survive_a_round_trip()
    {
        var stack = Read("""
            services:
              web:
                image: "nginx:${TAG:-1.27}"
                environment:
                  PRICE: "$$5"
                  ZONE: ${TZ}
                command: echo "a b" c
            """, new() { ["TZ"] = "UTC" });

        var web = stack.Services[0].Spec;
        Assert.Equal("nginx:1.27", web.Image);
        Assert.Equal("$5", web.Environment["PRICE"]);
        Assert.Equal("UTC", web.Environment["ZONE"]);
        Assert.Equal(["echo", "a b", "c"], web.Command);
        var again = ComposeReader.Read("shop", ComposeWriter.Write(stack), null).Value!;
        Assert.Equal("$5", again.Services[0].Spec.Environment["PRICE"]);
    }

    [Fact]
    public void Unset_variables_are_empty_and_warned_about()
    {
        var stack = Read("""
            services:
              web:
                image: nginx
                environment: [ "TZ=${TIMEZONE}" ]
            """);
        Assert.Equal("", stack.Services[0].Spec.Environment["TZ"]);
        Assert.Contains(stack.Warnings, w => w.Contains("'TIMEZONE' is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Rancher_scheduling_labels_become_placement_rules()
    {
        var stack = Read("""
            services:
              agent:
                image: busybox
                labels:
                  io.rancher.scheduler.global: "true"
                  io.rancher.scheduler.affinity:host_label: zone=eu,disk=ssd
              web:
                image: nginx
                labels:
                  io.rancher.scheduler.affinity:container_label_ne: io.rancher.stack_service.name=$${stack_name}/$${service_name}
                  io.rancher.scheduler.affinity:host_label_soft_ne: tier=batch
            """);

        var agent = stack.Services[0].Spec.Scheduling;
        Assert.True(agent.Global);
        Assert.Equal([new HostLabelRule("zone", "eu"), new HostLabelRule("disk", "ssd")], agent.HostLabels);
        var web = stack.Services[1].Spec.Scheduling;
        Assert.Equal(new ServiceAffinityRule("shop/web", Anti: true), Assert.Single(web.Affinity));
        Assert.Equal(new HostLabelRule("tier", "batch", Equal: false, Soft: true), Assert.Single(web.HostLabels));
    }

    [Fact]
    public void Health_checks_volumes_and_secrets_are_read()
    {
        var stack = Read("""
            services:
              db:
                image: postgres
                healthcheck:
                  test: pg_isready -U app
                  interval: 5s
                  start_period: 1m30s
                volumes:
                  - data:/var/lib/postgresql/data
                  - /etc/localtime:/etc/localtime:ro
                  - ./init:/docker-entrypoint-initdb.d
                  - type: tmpfs
                    target: /tmp
                secrets: [ db-password ]
            volumes:
              data:
            secrets:
              db-password:
                file: ./secrets/db.txt
            """);

        var db = stack.Services[0].Spec;
        var check = db.HealthCheck!;
        Assert.Equal(["CMD-SHELL", "pg_isready -U app"], check.Test);
        Assert.Equal(TimeSpan.FromSeconds(5), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(90), check.StartPeriod);
        Assert.Equal(HealthCheck.DefaultRetries, check.Retries);
        Assert.Equal(
            [
                new VolumeMount("volume", "data", "/var/lib/postgresql/data"),
                new VolumeMount("bind", "/etc/localtime", "/etc/localtime", ReadOnly: true),
                new VolumeMount("bind", "./init", "/docker-entrypoint-initdb.d"),
                new VolumeMount("tmpfs", "", "/tmp"),
                new VolumeMount("secret", "./secrets/db.txt", "/run/secrets/db-password", ReadOnly: true),
            ],
            db.Volumes);
    }

    [Theory]
    [InlineData("- undeclared:/data", "services.web.volumes[0]", "not declared")]
    [InlineData("- ../../etc:/data", "services.web.volumes[0].source", "inside the stack's folder")]
    [InlineData("- ~/data:/data", "services.web.volumes[0]", "home folder")]
    public void Volumes_that_cannot_work_on_a_host_are_refused(string volume, string field, string reason)
    {
        var errors = Refuse($"""
            services:
              web:
                image: nginx
                volumes:
                  {volume}
            """);
        Assert.Contains(reason, Assert.Single(errors[field]), StringComparison.Ordinal);
        Assert.StartsWith("line 5: ", errors[field][0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_built_from_source_runs_the_image_compose_would_build_and_says_so()
    {
        var stack = Read("""
            services:
              api:
                build: ./api
            """);
        Assert.Equal("shop-api", stack.Services[0].Spec.Image);
        Assert.Contains(stack.Warnings, w => w.Contains("docker compose -p shop build", StringComparison.Ordinal));
        Assert.Contains("build:", ComposeWriter.Write(stack), StringComparison.Ordinal);
        Assert.DoesNotContain("image:", ComposeWriter.Write(stack), StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_keys_apply_shared_settings()
    {
        var stack = Read("""
            x-common: &common
              restart: always
              environment: { LOG: debug }
            services:
              a:
                <<: *common
                image: nginx
              b:
                <<: *common
                image: nginx
                restart: "no"
            """);
        Assert.Equal("always", stack.Services[0].Spec.Restart);
        Assert.Equal("no", stack.Services[1].Spec.Restart);
        Assert.Equal("debug", stack.Services[1].Spec.Environment["LOG"]);
    }
}

// Rancher.Cloud control plane in production: a Function app (isolated worker, .NET 10)
// over one Storage account (tables, internal queues, blobs) and a Service Bus namespace
// for agent signals. Deploy: az deployment group create -g <rg> -f bicep/main.bicep -p adminKey=<key>
targetScope = 'resourceGroup'

@description('Short name prefix for every resource.')
@minLength(3)
@maxLength(11)
param prefix string = 'rcloud'

param location string = resourceGroup().location

@description('The operator admin API key; stored as an app setting (use a Key Vault reference in production).')
@secure()
param adminKey string

@description('32 random bytes, base64: wraps each tenant's data key (certificate keys, backup keys). Use a Key Vault reference in production.')
@secure()
param dataKeyWrappingKey string

var suffix = uniqueString(resourceGroup().id)

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: toLower('${prefix}${suffix}')
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

// Volume backups live in this account's blobs (a container per environment). Hosts hold SAS
// tokens without delete or overwrite rights; soft delete and versioning keep what the control
// plane's retention (or a stolen account key) deletes recoverable for a while.
resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 14 }
    containerDeleteRetentionPolicy: { enabled: true, days: 14 }
    isVersioningEnabled: true
  }
}

resource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${prefix}-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { minimumTlsVersion: '1.2' }
}

// The control plane creates per-environment queues and sends with this rule.
resource busRule 'Microsoft.ServiceBus/namespaces/authorizationRules@2022-10-01-preview' = {
  parent: bus
  name: 'control-plane'
  properties: { rights: [ 'Manage', 'Send', 'Listen' ] }
}

// Agents' SAS tokens are signed with this rule's key, each scoped to its environment's queue:
// a leaked token can only listen there, never send or manage.
resource agentsRule 'Microsoft.ServiceBus/namespaces/authorizationRules@2022-10-01-preview' = {
  parent: bus
  name: 'agents-listen'
  properties: { rights: [ 'Listen' ] }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${prefix}-plan-${suffix}'
  location: location
  sku: { name: 'Y1', tier: 'Dynamic' }
  kind: 'functionapp'
  properties: { reserved: true }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web' }
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: '${prefix}-api-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'DOTNET-ISOLATED|10.0'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated' }
        { name: 'AzureWebJobsStorage', value: storageConnection }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'RANCHER_CLOUD_ADMIN_KEY', value: adminKey }
        { name: 'RancherCloud__Signals', value: 'serviceBus' }
        { name: 'RancherCloud__DataKeyWrappingKey', value: dataKeyWrappingKey }
        { name: 'RancherCloud__ServiceBusConnection', value: busRule.listKeys().primaryConnectionString }
        { name: 'RancherCloud__ServiceBusAgentListenConnection', value: agentsRule.listKeys().primaryConnectionString }
        { name: 'RancherCloud__PublicUrl', value: 'https://${prefix}-api-${suffix}.azurewebsites.net' }
      ]
    }
  }
}

output apiUrl string = 'https://${app.properties.defaultHostName}/api/v1'

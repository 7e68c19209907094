output "bucket" {
  description = "The bronze bucket."
  value       = google_storage_bucket.bronze.name
}

output "datasets" {
  description = "The datasets, by layer."
  value       = { for layer, dataset in google_bigquery_dataset.datasets : layer => dataset.dataset_id }
}

output "service_account" {
  description = "The pipeline's service account: create a key for GOOGLE_APPLICATION_CREDENTIALS, or attach it to the machine that runs the pipeline."
  value       = google_service_account.pipeline.email
}

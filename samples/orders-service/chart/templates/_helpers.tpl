{{- define "orders.labels" -}}
app.kubernetes.io/name: orders-service
app.kubernetes.io/part-of: orders
environment: {{ .Values.environment }}
{{- end }}

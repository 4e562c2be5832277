import { Title } from '@mantine/core';

export default function PatientPage() {
  return <Title order={2}>PatientPage</Title>;
}
